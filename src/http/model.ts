// TypeBox schemas of the HTTP API, used for the OpenAPI document (GET /openapi).
import { Type as T } from '@sinclair/typebox'
import { DATASET_NAME_RULE, DATASET_PATTERN } from '../datasets'
import { EventBatch, InvalidEvent } from '../ingest/event/event-schema'
import { MAX_LISTED_INVALID } from '../ingest/exact-path/invalid-list'
import { LINE_MEDIA_TYPES } from '../ingest/framing/body-format'
import { QueryResult } from '../query/run-query'
import { Refusal } from './error-answers'
import { Message } from './responses'

export const DatasetParams = T.Object({
  dataset: T.String({ pattern: DATASET_PATTERN, description: `Dataset (one ClickHouse table): ${DATASET_NAME_RULE}` }),
})

/** The API key header, declared as OpenAPI security schemes: one per kind of key. */
export const SECURITY_SCHEMES = {
  ingestKey: { type: 'apiKey' as const, in: 'header', name: 'x-api-key', description: 'An ingest key (API_KEYS). Public by design: it ships inside applications and browsers, and only sends events.' },
  queryKey: { type: 'apiKey' as const, in: 'header', name: 'x-api-key', description: 'A query key (QUERY_KEYS). Secret: it reads every stored event. An ingest key is refused here.' },
  bearerIngestKey: { type: 'http' as const, scheme: 'bearer', description: 'An ingest key as Authorization: Bearer <key> (OpenTelemetry routes only, for exporters configured with an Authorization header).' },
}

export const EventHeaders = T.Object({
  'x-service': T.Optional(T.String({ description: 'Service the events come from (an event\'s own "service" wins); UTF-8 bytes, else 400', examples: ['my-service'] })),
  'x-namespace': T.Optional(T.String({ description: 'Namespace the events come from (an event\'s own "namespace" wins); UTF-8 bytes, else 400' })),
  'Idempotency-Key': T.Optional(T.String({ description: 'Anything unique per request (a UUID): a retry with the same key, API key, dataset, x-service, x-namespace and body stores each event once, with the same _id; UTF-8 bytes, else 400', examples: ['3f1c2a9e-8b7d-4c55-9a61-0d2e4b7f6a10'] })),
  'Content-Encoding': T.Optional(T.String({ enum: ['identity', 'gzip', 'deflate', 'zstd'], description: 'Compression of the body; the 6 MB limit applies to the uncompressed data' })),
})

/** The spec's example events (docs/spec/events-api.upstream.md), valid as sent: the document's examples must answer 202. */
export const EXAMPLE_EVENTS = [
  {
    message: 'This is an example log event',
    error: "TypeError: Cannot read property 'something' of undefined",
    requestId: '6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1',
    namespace: 'https://api.domain.com/resource/{id}',
  },
  { message: 'This is another example log event', requestId: '6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1', data: { userId: '01HBRCB38K2K4V5SDR7YC1D0ZB' }, duration: 127 },
]

const MessageBody = (message: string) => T.Object({ message: T.Literal(message), error: T.Optional(T.String({ description: 'Why, as a sentence' })) })

export const EventsResponses = {
  202: MessageBody(Message.accepted),
  400: T.Object({
    message: T.Literal(Message.badRequest),
    error: T.Optional(T.String({ description: 'Why the request as a whole was refused' })),
    accepted: T.Optional(T.Integer({ description: 'How many events of this request were accepted' })),
    rejected: T.Optional(T.Integer({ description: 'How many events of this request were not accepted' })),
    invalid: T.Optional(T.Array(InvalidEvent, { description: `Events that were not accepted (the first ${MAX_LISTED_INVALID}); the others were` })),
    invalidTruncated: T.Optional(T.Literal(true, { description: `Present when more than ${MAX_LISTED_INVALID} events were not accepted: invalid lists only the first of them` })),
  }),
  401: MessageBody(Message.unauthorised),
  405: MessageBody(Message.methodNotAllowed),
  413: MessageBody(Message.tooLarge),
  415: MessageBody(Message.unsupportedMediaType),
  500: MessageBody(Message.internalError),
  503: MessageBody(Message.unavailable),
}



/** An OpenAPI response entry from a TypeBox schema (TypeBox schemas are JSON Schema). */
const jsonContent = (schema: unknown, examples?: Record<string, unknown>) => ({
  'application/json': { schema, ...(examples ? { examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])) } : {}) },
})

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', example: 2 } } }
const ALLOW = (methods: string) => ({ Allow: { description: 'The methods this path answers', schema: { type: 'string', example: methods } } })

const RESPONSE_WORDS: Record<number, string> = {
  202: 'Every event was stored in JetStream: each lands in ClickHouse exactly once',
  400: "Bad path or dataset name, an x-service, x-namespace or Idempotency-Key that is not UTF-8, empty body, not a JSON array, a new dataset past the deployment's cap, or some events invalid (listed under invalid with their index; the others were stored)",
  401: 'Missing or wrong x-api-key',
  405: 'Only POST (and OPTIONS, for CORS) is answered here; Allow lists them',
  413: 'More than 6 MB (6,291,456 bytes) once uncompressed, or more than 6 MB + 64 KB compressed on the wire',
  415: 'A Content-Encoding other than identity, gzip, deflate or zstd',
  500: 'Unexpected error (details in the server log)',
  503: 'This node is at its in-flight byte budget (nothing was stored), or NATS is down or the stream is full (part may be stored): retry after Retry-After with the same Idempotency-Key and body',
}

const EVENTS_EXAMPLES: Partial<Record<number, Record<string, unknown>>> = {
  202: { accepted: { message: Message.accepted } },
  400: {
    'some events invalid': { message: Message.badRequest, accepted: 1, rejected: 1, invalid: [{ index: 1, field: 'duration', error: 'Field "duration" must be a number, but it is the string "slow".' }] },
    'bad dataset': { message: Message.badRequest, error: Refusal.badDataset('a b') },
  },
  401: { unauthorised: { message: Message.unauthorised } },
  405: { 'method not allowed': { message: Message.methodNotAllowed } },
  503: { unavailable: { message: Message.unavailable, error: Refusal.queueUnavailable } },
}

const NDJSON_EXAMPLE = EXAMPLE_EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n'

/** OpenAPI operation details of POST /v1/<dataset>, generated from the schemas above. */
export const eventsOperation = {
  summary: 'Send events',
  tags: ['Events API'],
  description:
    'A JSON array of events (or NDJSON, one event per line); valid events are stored even when others are not (400 lists those under invalid, each with its index: ' +
    'the position in the array, or the line for NDJSON). At most 6 MB uncompressed per request and 256 KB per event. Browsers may send from the origins in CORS_ORIGINS.',
  security: [{ ingestKey: [] }],
  parameters: [
    { name: 'dataset', in: 'path', required: true, schema: DatasetParams.properties.dataset, example: 'logs' },
    ...Object.entries(EventHeaders.properties).map(([name, schema]) => ({ name, in: 'header', required: false, schema })),
  ],
  requestBody: {
    required: true,
    content: {
      'application/json': { schema: EventBatch, examples: { 'the spec\'s example': { value: EXAMPLE_EVENTS } } },
      // Newline-delimited JSON under each name it goes by (src/ingest/framing/body-format.ts).
      ...Object.fromEntries(
        LINE_MEDIA_TYPES.map((type) => [
          type,
          { schema: { type: 'string', description: 'One JSON event per line, same limits; blank lines are skipped; invalid lines are listed by their 0-based line index' }, examples: { 'the spec\'s example': { value: NDJSON_EXAMPLE } } },
        ]),
      ),
    },
  },
  responses: Object.fromEntries(
    Object.entries(EventsResponses).map(([status, schema]) => {
      const code = Number(status)
      const headers = code === 503 ? RETRY_AFTER : code === 405 ? ALLOW('POST, OPTIONS') : undefined
      return [status, { description: RESPONSE_WORDS[code], ...(headers ? { headers } : {}), content: jsonContent(schema, EVENTS_EXAMPLES[code]) }]
    }),
  ),
}

const TooManyQueries = T.Object({ message: T.Literal(Message.tooManyRequests), error: T.String() })

export const queryOperation = {
  summary: 'Run a read-only SQL query',
  tags: ['Query'],
  description:
    "The body is one read statement (SELECT, WITH, SHOW TABLES, SHOW CREATE TABLE, DESCRIBE, EXISTS, EXPLAIN) on the sluice database; the answer is ClickHouse's JSON format. " +
    'It takes a query key (QUERY_KEYS, secret), never an ingest key. Every query runs read-only under limits the SQL cannot lift (QUERY_TIMEOUT_MS, QUERY_MAX_* variables). No CORS: browsers on other origins cannot call it.',
  security: [{ queryKey: [] }],
  requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string', maxLength: 256 * 1024 }, examples: { 'count by request': { value: 'SELECT data.requestId, count() FROM sluice.logs GROUP BY ALL' } } } } },
  responses: {
    200: { description: 'Rows', content: jsonContent(QueryResult) },
    400: { description: 'Empty, not one statement ClickHouse can parse, a FORMAT clause, or ClickHouse refused it (its message is in error)', content: jsonContent(MessageBody(Message.badRequest)) },
    401: { description: 'Missing or unknown key, or an ingest key', content: jsonContent(MessageBody(Message.unauthorised)) },
    403: { description: 'The statement writes, reaches outside the database (table functions, files, URLs, other databases), changes settings or reads host details', content: jsonContent(MessageBody(Message.forbidden)) },
    405: { description: 'Only POST is answered here', headers: ALLOW('POST'), content: jsonContent(MessageBody(Message.methodNotAllowed)) },
    413: { description: 'The query hit a limit (time, rows or bytes read, result rows or bytes, memory; error names the variable), or its text is over 256 KB', content: jsonContent(MessageBody(Message.tooLarge)) },
    429: { description: 'QUERY_MAX_CONCURRENT queries are running: retry after Retry-After', headers: RETRY_AFTER, content: jsonContent(TooManyQueries) },
    500: { description: 'Unexpected error (details in the server log)', content: jsonContent(MessageBody(Message.internalError)) },
    503: { description: 'ClickHouse is unreachable, or this node runs ROLE=ingest without a ClickHouse server', headers: RETRY_AFTER, content: jsonContent(MessageBody(Message.unavailable)) },
  },
}

const Readiness = T.Object({ status: T.Union([T.Literal('ready'), T.Literal('not ready')]), nats: T.Boolean(), clickhouse: T.Optional(T.Boolean({ description: 'Absent on a node that uses no ClickHouse (ROLE=ingest without CLICKHOUSE_URL)' })) })

export const healthOperation = {
  summary: 'Liveness: the process answers',
  tags: ['Operations'],
  responses: { 200: { description: 'Alive', content: jsonContent(T.Object({ status: T.Literal('ok') })) } },
}

export const readyOperation = {
  summary: 'Readiness: NATS and ClickHouse reachable',
  tags: ['Operations'],
  responses: {
    200: { description: 'Every service this node uses is reachable', content: jsonContent(Readiness) },
    503: { description: 'NATS or ClickHouse unreachable, or no answer within 2 s', content: jsonContent(Readiness) },
  },
}

export const metricsOperation = {
  summary: 'Prometheus metrics (text exposition format; passes promtool check metrics)',
  tags: ['Operations'],
  responses: { 200: { description: 'Metrics', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } } },
}
