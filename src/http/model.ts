// TypeBox schemas of the HTTP API, used for the OpenAPI document (GET /openapi).
import { Type as T } from '@sinclair/typebox'
import { EventBatch, InvalidEvent } from '../ingest/event-schema'
import { MAX_LISTED_INVALID } from '../ingest/invalid-list'
import { QueryResult } from '../query/run-query'
import { Message } from './responses'

export const DATASET_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'
const datasetRule = new RegExp(DATASET_PATTERN)
export const isValidDataset = (name: string): boolean => datasetRule.test(name)

export const DatasetParams = T.Object({
  dataset: T.String({ pattern: DATASET_PATTERN, description: 'Dataset (one ClickHouse table): 1 to 64 letters, digits, _ or -, starting with a letter or digit' }),
})

export const EventHeaders = T.Object({
  'x-api-key': T.String({ description: 'An API key from API_KEYS' }),
  'x-service': T.Optional(T.String({ description: 'Service the events come from (an event\'s own "service" wins)' })),
  'x-namespace': T.Optional(T.String({ description: 'Namespace the events come from (an event\'s own "namespace" wins)' })),
  'idempotency-key': T.Optional(T.String({ description: 'Makes a retry of this request land once' })),
  'content-encoding': T.Optional(T.String({ description: 'identity, gzip, deflate or zstd; the 6 MB limit applies after decompression' })),
})

const MessageBody = (message: string) => T.Object({ message: T.Literal(message), error: T.Optional(T.String()) })


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
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } })

const RESPONSE_WORDS: Record<number, string> = {
  202: 'Every event was stored in JetStream',
  400: 'Bad path or body, a new dataset past the deployment\'s cap, or some events invalid (listed under invalid; the others were stored)',
  401: 'Missing or wrong x-api-key',
  405: 'Only POST is allowed here',
  413: 'More than 6 MB once uncompressed',
  415: 'Unsupported Content-Encoding',
  500: 'Unexpected error (details in the server log)',
  503: 'NATS is down, the stream is full or this node is at its in-flight byte budget: retry after Retry-After with the same Idempotency-Key',
}

/** OpenAPI operation details of POST /v1/<dataset>, generated from the schemas above. */
export const eventsOperation = {
  summary: 'Send events',
  tags: ['Events API'],
  description: 'A JSON array of events; valid events are stored even when others are not (400 lists those under invalid).',
  parameters: [
    { name: 'dataset', in: 'path', required: true, schema: DatasetParams.properties.dataset },
    ...Object.entries(EventHeaders.properties).map(([name, schema]) => ({ name, in: 'header', required: name === 'x-api-key', schema })),
  ],
  requestBody: { required: true, content: jsonContent(EventBatch) },
  responses: Object.fromEntries(Object.entries(EventsResponses).map(([status, schema]) => [status, { description: RESPONSE_WORDS[Number(status)], content: jsonContent(schema) }])),
}

export const queryOperation = {
  summary: 'Run a read-only SQL query',
  tags: ['Query'],
  description:
    "The body is one read statement (SELECT, WITH, SHOW TABLES, SHOW CREATE TABLE, DESCRIBE, EXISTS, EXPLAIN) on the sluice database; the answer is ClickHouse's JSON format. " +
    'It takes a query key (QUERY_KEYS, secret), never an ingest key. Every query runs read-only under limits the SQL cannot lift (QUERY_TIMEOUT_MS, QUERY_MAX_* variables).',
  parameters: [{ name: 'x-api-key', in: 'header', required: true, schema: T.String({ description: 'A query key from QUERY_KEYS (not an ingest key from API_KEYS)' }) }],
  requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string', example: 'SELECT data.requestId, count() FROM sluice.logs GROUP BY ALL' } } } },
  responses: {
    200: { description: 'Rows', content: jsonContent(QueryResult) },
    400: { description: 'Not one statement ClickHouse can parse, or ClickHouse refused it (the reason is in error)', content: jsonContent(MessageBody(Message.badRequest)) },
    401: { description: 'Missing or unknown key, or an ingest key', content: jsonContent(MessageBody(Message.unauthorised)) },
    403: { description: 'The statement writes, reaches outside the database (table functions, files, URLs, other databases), changes settings or reads host details', content: jsonContent(MessageBody(Message.forbidden)) },
    413: { description: 'The query hit a limit (time, rows or bytes read, result rows or bytes, memory), or its text is over 256 KB', content: jsonContent(MessageBody(Message.tooLarge)) },
    429: { description: 'QUERY_MAX_CONCURRENT queries are running: retry after Retry-After', content: jsonContent(T.Object({ message: T.Literal('Too Many Requests'), error: T.String() })) },
    503: { description: 'ClickHouse is unreachable, or this node runs ROLE=ingest without a ClickHouse server', content: jsonContent(MessageBody(Message.unavailable)) },
  },
}
