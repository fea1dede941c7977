// The HTTP app in-process, for route and surface tests (app.handle, or Bun.serve around it), with a
// publisher that records what it was given; the real JetStream publisher is covered by the
// integration tests. One builder: every option is the app's own, unset ones take test defaults.
import { QueueUnavailableError } from '../../src/errors'
import { ApiKeys } from '../../src/http/api-keys'
import { createApp, type AppDependencies } from '../../src/http/app'
import type { CorsOrigins } from '../../src/cors-origins'
import { InflightBudget } from '../../src/ingest/inflight-budget'
import { ingestRequest } from '../../src/ingest/ingest-request'
import { quietLogger, type Logger } from '../../src/log'
import { Metrics } from '../../src/metrics'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/queue/message-format'
import type { EventPublisher, OutgoingChunk } from '../../src/queue/types'
import type { QueryRunner } from '../../src/query/run-query'

export const TEST_KEY = 'test-key-1'
/** The query key (secret) of the test app. */
export const TEST_QUERY_KEY = 'test-query-key-1'

export class RecordingPublisher implements EventPublisher {
  chunks: OutgoingChunk[] = []
  failWith: Error | undefined
  async publish(chunks: readonly OutgoingChunk[]): Promise<void> {
    if (this.failWith) throw this.failWith
    // A copy: the body may be a view of a pooled buffer that is reused once publish resolves
    // (Buffer#slice would be another view).
    this.chunks.push(...chunks.map((c) => ({ ...c, body: new Uint8Array(c.body) })))
  }
  /** The rows published so far, parsed. */
  rows(): { _timestamp: number; _service: string; _namespace: string; _id: string; _raw: Record<string, unknown> }[] {
    return this.chunks.flatMap((c) => new TextDecoder().decode(c.body).trimEnd().split('\n').map((l) => JSON.parse(l)))
  }
  rawTexts(): string[] {
    // The `_raw` text exactly as embedded: everything after "_raw": up to the row's closing brace.
    return this.chunks.flatMap((c) => new TextDecoder().decode(c.body).trimEnd().split('\n').map((l) => l.slice(l.indexOf('"_raw":') + 7, -1)))
  }
}

export interface TestAppOptions {
  /** Answers /query (unset: the app has no query role). */
  runner?: QueryRunner
  /** Replaces ingest into the recording publisher. */
  ingest?: AppDependencies['ingest']
  /** The node's in-flight byte budget (unset: unbounded). */
  budget?: InflightBudget
  corsOrigins?: CorsOrigins
  /** Where the access log goes (unset: nowhere). */
  logger?: Logger
  metrics?: Metrics
}

export function testApp(options: TestAppOptions = {}) {
  const publisher = new RecordingPublisher()
  const budget = options.budget ?? new InflightBudget(Number.MAX_SAFE_INTEGER)
  const metrics = options.metrics ?? new Metrics()
  const app = createApp({
    keys: new ApiKeys([TEST_KEY]),
    queryKeys: new ApiKeys([TEST_QUERY_KEY]),
    ingest: options.ingest ?? ((request) => ingestRequest(request, { publisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, budget })),
    runner: options.runner,
    // The OTLP routes count decoded bodies against the same budget.
    budget,
    metrics,
    logger: options.logger ?? quietLogger,
    readiness: async () => ({ nats: true, clickhouse: true }),
    corsOrigins: options.corsOrigins,
  })
  return { app, publisher, metrics }
}

export const unavailable = () => new QueueUnavailableError('test: NATS is down')

/** app.handle needs a full URL; Elysia reads the path after the host, so use localhost. */
export function post(path: string, body: string | Uint8Array | null, headers: Record<string, string> = {}, method = 'POST'): Request {
  return new Request(`http://localhost${path}`, { method, body, headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json', ...headers } })
}
