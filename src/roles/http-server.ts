// The HTTP server of a process: the routes of the roles it runs, the operational routes, and the
// extra ingest processes that share its port (INGEST_PROCESSES). Stopping it stops new connections
// first, then lets requests already inside finish.
import type { Config } from '../config'
import { startIngestProcesses } from '../embedded/ingest-processes'
import { WrongRoleError } from '../errors'
import type { ApiKeys } from '../http/api-keys'
import { createApp, listenExclusive } from '../http/app'
import type { Readiness } from '../http/ops-routes'
import { MAX_BODY_BYTES } from '../ingest/limits'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { QueryRunner } from '../query/run-query'
import type { Shutdown } from '../shutdown'
import type { IngestRole } from './ingest'

/** Bun's own body cap; sluice enforces MAX_BODY_BYTES itself, with a JSON answer, while streaming. */
const SERVER_BODY_CAP_BYTES = 1024 * 1024 * 1024

export interface HttpServerDeps {
  config: Config
  keys: { ingest: ApiKeys; query: ApiKeys; generatedIngest?: string; generatedQuery?: string }
  ingest?: IngestRole
  runner?: QueryRunner
  readiness(): Promise<Readiness>
  metrics: Metrics
  logger: Logger
  shutdown: Shutdown
}

export function startHttpServer({ config, keys, ingest, runner, readiness, metrics, logger, shutdown }: HttpServerDeps): { port: number } {
  const app = createApp({
    keys: keys.ingest,
    // Browsers may send events from these origins (CORS on /v1 only).
    corsOrigins: config.corsOrigins,
    queryKeys: keys.query,
    ingest: ingest ? (request) => ingest.ingest(request) : () => Promise.reject(new WrongRoleError('This node runs ROLE=batcher and takes no events: send them to a node with ROLE=ingest or ROLE=all.')),
    // OTLP bodies are decoded before ingest sees them: they count against the same budget.
    budget: ingest?.budget,
    runner,
    metrics,
    logger,
    // Ingest keys are public, so the console may write one into its send examples.
    console: config.consoleEnabled && runner ? { database: config.clickhouse.database, exampleIngestKey: keys.generatedIngest ?? config.apiKeys.find((k) => !k.startsWith('sha256:')) } : undefined,
    readiness,
  })
  const shared = config.ingest.processes > 1 || config.ingest.portShared
  const server = listenExclusive(app, { port: config.port, hostname: config.host, maxRequestBodySize: Math.max(SERVER_BODY_CAP_BYTES, MAX_BODY_BYTES), shared })
  if (config.ingest.processes > 1) {
    // Every process takes the same keys: the ones this one generated, if it did (else the environment's).
    const env: Record<string, string> = { PORT: String(server.port) }
    if (keys.generatedIngest) env.API_KEYS = keys.generatedIngest
    if (keys.generatedQuery) env.QUERY_KEYS = keys.generatedQuery
    const others = startIngestProcesses({ count: config.ingest.processes - 1, dataDir: config.dataDir, env, logger })
    shutdown.add('stop the other ingest processes', 0.9, (deadline) => others.stop(deadline))
  }
  shutdown.add('finish requests in flight', 0.4, async (deadline) => {
    // Stop taking connections, then let requests already inside finish (their events are being
    // made durable); past the deadline, cut the connections still open.
    void server.stop(false)
    const finished = ingest ? await ingest.drained(deadline - Date.now()) : true
    if (!finished) void server.stop(true)
  })
  return { port: server.port! }
}

