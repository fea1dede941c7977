// The HTTP app in-process with the surface's own options (CORS origins, a logger to read, metrics),
// publishing into a RecordingPublisher.
import { ApiKeys } from '../../src/http/api-keys'
import { createApp } from '../../src/http/app'
import type { CorsOrigins } from '../../src/cors-origins'
import { ingestRequest } from '../../src/ingest/ingest-request'
import { quietLogger, type Logger } from '../../src/log'
import { Metrics } from '../../src/metrics'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/queue/message-format'
import { RecordingPublisher, TEST_KEY, TEST_QUERY_KEY } from './http-app'

export function surfaceApp(options: { corsOrigins?: CorsOrigins; logger?: Logger; metrics?: Metrics } = {}) {
  const publisher = new RecordingPublisher()
  const metrics = options.metrics ?? new Metrics()
  const app = createApp({
    keys: new ApiKeys([TEST_KEY]),
    queryKeys: new ApiKeys([TEST_QUERY_KEY]),
    ingest: (request) => ingestRequest(request, { publisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES }),
    runner: undefined,
    metrics,
    logger: options.logger ?? quietLogger,
    readiness: async () => ({ nats: true, clickhouse: true }),
    corsOrigins: options.corsOrigins,
  })
  return { app, publisher, metrics }
}
