// OpenAPI operation details of POST /otlp/v1/logs and /otlp/v1/traces (GET /openapi).
import { DATASET_NAME_RULE } from '../datasets'
import { OTLP_DEFAULT_DATASETS as DEFAULT_DATASET, type OtlpSignal } from '../otlp/records'
const REQUEST: Record<OtlpSignal, string> = { logs: 'ExportLogsServiceRequest', traces: 'ExportTraceServiceRequest' }
const REJECTED: Record<OtlpSignal, string> = { logs: 'rejectedLogRecords', traces: 'rejectedSpans' }
const RECORDS: Record<OtlpSignal, string> = { logs: 'log records', traces: 'spans' }

const GRPC_STATUS = {
  type: 'object',
  description: 'google.rpc.Status, in the encoding of the request (protobuf, or JSON as here)',
  properties: { code: { type: 'integer', description: 'gRPC status code' }, message: { type: 'string', description: 'Why, as a sentence' } },
}

const EXAMPLE_LOGS = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeLogs: [
        {
          scope: { name: 'checkout.http', version: '1.2.0' },
          logRecords: [
            {
              timeUnixNano: '1767225600000000000',
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: 'order placed' },
              attributes: [{ key: 'order.id', value: { stringValue: 'A-1001' } }],
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
            },
          ],
        },
      ],
    },
  ],
}

const EXAMPLE_TRACES = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeSpans: [
        {
          scope: { name: 'checkout.http' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'POST /orders',
              kind: 2,
              startTimeUnixNano: '1767225600000000000',
              endTimeUnixNano: '1767225600127000000',
              status: { code: 1 },
            },
          ],
        },
      ],
    },
  ],
}

export function otlpOperation(signal: OtlpSignal) {
  const status = (description: string, retry = false) => ({
    description,
    ...(retry ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', example: 2 } } } } : {}),
    content: { 'application/json': { schema: GRPC_STATUS }, 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } } },
  })
  return {
    summary: `Send OpenTelemetry ${signal} (OTLP/HTTP)`,
    tags: ['OpenTelemetry'],
    description:
      `An OTLP/HTTP ${REQUEST[signal]} in protobuf (application/x-protobuf) or OTLP/JSON (application/json), optionally gzip, deflate or zstd compressed; ` +
      `at most 6 MB uncompressed. Each of the ${RECORDS[signal]} becomes one event of the dataset (docs/opentelemetry.md gives the mapping) and is judged as an event of POST /v1/{dataset} is; ` +
      `refused ones are counted in partialSuccess.${REJECTED[signal]} with the first reasons in errorMessage. ` +
      'A retry of the same body (as OTLP exporters send it, without a key) lands once within the duplicate window (NATS_DUPLICATE_WINDOW_MS, 10 minutes by default). ' +
      'Point an SDK at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://<host>:3000/otlp and OTEL_EXPORTER_OTLP_HEADERS=x-api-key=<ingest key>.',
    security: [{ ingestKey: [] }, { bearerIngestKey: [] }],
    parameters: [
      { name: 'x-dataset', in: 'header', required: false, schema: { type: 'string', default: DEFAULT_DATASET[signal], description: `The dataset (${DATASET_NAME_RULE})` } },
      { name: 'Content-Encoding', in: 'header', required: false, schema: { type: 'string', enum: ['identity', 'gzip', 'deflate', 'zstd'] } },
      { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', description: 'Optional: without it the key is derived from the body, the route and the dataset' } },
    ],
    requestBody: {
      required: true,
      content: {
        'application/x-protobuf': { schema: { type: 'string', format: 'binary', description: `opentelemetry.proto.collector.${signal === 'logs' ? 'logs' : 'trace'}.v1.${REQUEST[signal]}` } },
        'application/json': { schema: { type: 'object', description: 'OTLP/JSON: lowerCamelCase fields, trace and span ids in hex, enums as numbers, 64-bit integers as decimal strings' }, example: signal === 'logs' ? EXAMPLE_LOGS : EXAMPLE_TRACES },
      },
    },
    responses: {
      200: {
        description: `Stored in JetStream: every accepted one lands in ClickHouse exactly once. An empty response when all were accepted; else partialSuccess counts the refused ${RECORDS[signal]}`,
        content: {
          'application/json': {
            schema: { type: 'object', properties: { partialSuccess: { type: 'object', properties: { [REJECTED[signal]]: { type: 'string', description: 'int64, as a decimal string' }, errorMessage: { type: 'string' } } } } },
          },
          'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
        },
      },
      400: status('The body could not be decoded as the request (truncated, wrong wire types, not UTF-8, not OTLP/JSON), or a bad x-dataset'),
      401: status('Missing or wrong ingest key (x-api-key, or Authorization: Bearer)'),
      413: status('More than 6 MB uncompressed, or its records map to more than 48 MB of events'),
      415: status('A Content-Type other than application/x-protobuf or application/json, or a Content-Encoding sluice cannot undo'),
      503: status('This node is at its in-flight budget, or NATS is down: the exporter retries after Retry-After, and the retry lands once', true),
    },
  }
}
