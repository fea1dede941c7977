// Builds and runs one sluice process from a Config: the local nats-server when none is given,
// the JetStream stream, ClickHouse, the batcher and the HTTP server, per ROLE; and takes them
// down in reverse order within one shutdown budget.
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { Batcher } from './batch/batcher'
import type { Config } from './config'
import { loadOrCreateApiKey, loadOrCreateQueryKey } from './embedded/default-api-key'
import { lockDataDir } from './embedded/data-dir-lock'
import { startIngestProcesses } from './embedded/ingest-processes'
import { startNatsServer, type NatsServerHandle } from './embedded/nats-server'
import { ConfigError, QueueUnavailableError, WrongRoleError } from './errors'
import { ApiKeys } from './http/api-keys'
import { assertPortFree, createApp, listenExclusive } from './http/app'
import { InflightBudget } from './ingest/inflight-budget'
import { ingestRequest } from './ingest/ingest-request'
import { MAX_BODY_BYTES, MAX_EVENT_BYTES } from './ingest/limits'
import type { Logger } from './log'
import { Metrics } from './metrics'
import { Shutdown } from './shutdown'
import { QueryRunner } from './query/run-query'
import { createEventConsumer } from './queue/consumer'
import { DatasetRegistry, datasetBucketFor } from './queue/dataset-registry'
import { DEFAULT_MAX_MESSAGE_BYTES } from './queue/message-format'
import { createEventPublisher } from './queue/publisher'
import { markRestartSuspects } from './queue/restart-suspects'
import { QueueConnection } from './queue/connection'
import { ensureStreamWithRetry, retryWhileStarting } from './queue/stream'
import type { EventPublisher } from './queue/types'
import { RowWriter } from './sink/row-writer'
import { ensureDatabase, TableManager } from './sink/tables'
import { openStore } from './store/open-store'
import type { Store } from './store/types'

/** Bun's own body cap; sluice enforces MAX_BODY_BYTES itself, with a JSON answer, while streaming. */
const SERVER_BODY_CAP_BYTES = 1024 * 1024 * 1024
/** Each dependency gets this long to answer GET /ready; a hung one counts as not ready. */
export const READY_CHECK_TIMEOUT_MS = 1000

export interface SluiceOverrides {
  /** An already open Store (tests share one embedded engine per process); unset: the one config names. */
  store?: Store
  logger: Logger
}

export interface RunningSluice {
  /** Base URL of the HTTP server. */
  url: string
  port: number
  /** The key to use when API_KEYS is unset (generated and kept in DATA_DIR). */
  generatedKey?: string
  /** The query key to use when QUERY_KEYS is unset (generated and kept in DATA_DIR; secret). */
  generatedQueryKey?: string
  metrics: Metrics
  batcher?: Batcher
  nats: NatsConnection
  /** The local nats-server sluice supervises (NATS_URL unset). */
  natsServer?: NatsServerHandle
  /** Stops everything within config.shutdownTimeoutMs (or budgetMs); safe to call twice. */
  stop(budgetMs?: number): Promise<void>
}

export async function startSluice(config: Config, overrides: SluiceOverrides): Promise<RunningSluice> {
  const shutdown = new Shutdown(overrides.logger)
  try {
    return await start(config, overrides, shutdown)
  } catch (error) {
    await shutdown.run(config.shutdownTimeoutMs)
    throw error
  }
}

async function start(config: Config, overrides: SluiceOverrides, shutdown: Shutdown): Promise<RunningSluice> {
  const { logger } = overrides
  const embeddedClickHouse = config.clickhouse.url === undefined && !overrides.store && config.role !== 'ingest'
  if (config.nats.url === undefined || embeddedClickHouse) {
    // Before anything touches DATA_DIR: its nats store and embedded ClickHouse take one process each.
    const lock = lockDataDir(config.dataDir)
    shutdown.add('release DATA_DIR', 1, async () => lock.release())
  }
  if (config.nats.url !== undefined && config.nats.syncInterval !== undefined) {
    throw new ConfigError([`NATS_SYNC_INTERVAL=${JSON.stringify(config.nats.syncInterval)}: applies only to the nats-server sluice starts itself (NATS_URL unset); set sync_interval in the configuration of the NATS servers at ${config.nats.url}`])
  }
  // A port another process holds is a start-up error now, before NATS and ClickHouse are brought up.
  // The extra ingest processes share the port the first one found free (INGEST_PROCESSES).
  if (config.port !== 0 && !config.ingest.portShared) assertPortFree(config.port)

  const metrics = new Metrics({ processMetrics: true })
  const generated = config.apiKeys.length === 0 ? loadOrCreateApiKey(config.dataDir) : undefined
  const keys = new ApiKeys(generated ? [generated.key] : config.apiKeys)
  const generatedQuery = config.queryKeys.length === 0 ? loadOrCreateQueryKey(config.dataDir) : undefined
  const queryKeys = new ApiKeys(generatedQuery ? [generatedQuery.key] : config.queryKeys)

  let natsServer: NatsServerHandle | undefined
  let natsUrl = config.nats.url
  if (natsUrl === undefined) {
    natsServer = await startNatsServer({ bin: config.nats.serverBin, storeDir: join(config.dataDir, 'nats'), logger, syncInterval: config.nats.syncInterval })
    shutdown.add('stop nats-server', 1, (deadline) => natsServer!.stop(Math.max(0, deadline - Date.now() - 200)))
    natsUrl = natsServer.url
    logger.info({ url: natsUrl, pid: natsServer.pid }, 'started a local nats-server (NATS_URL is unset)')
  }
  // The local server may have died in its first moments (its supervisor starts it again): keep
  // trying as for the stream. A NATS_URL of the user's fails at once, so a wrong one shows at start.
  // One message must carry one whole event and its row.
  const connectQueue = () => QueueConnection.connect(natsUrl!, { logger, minMessageBytes: MAX_EVENT_BYTES + 4 * 1024 })
  const queue = natsServer !== undefined ? await retryWhileStarting('connect to the local nats-server', connectQueue, logger) : await connectQueue()
  const nc = queue.nc
  shutdown.add('close the NATS connection', 0.5, () => nc.drain().catch(() => nc.close()))
  await ensureStreamWithRetry(nc, config.nats, logger)
  if (config.nats.maxAgeMs > 0) {
    // JetStream deletes by age whether or not the batcher wrote the events: say so once, loudly.
    logger.warn({ maxAgeMs: config.nats.maxAgeMs }, 'NATS_STREAM_MAX_AGE_MS is set: events not written to ClickHouse within it are deleted from JetStream, even after their 202')
  }

  // An ingest-only node needs ClickHouse only to answer /query, and only a server can be shared.
  const usesClickHouse = config.role !== 'ingest' || config.clickhouse.url !== undefined
  let store: Store | undefined
  if (usesClickHouse) {
    store = overrides.store ?? openStore(config.clickhouse, config.dataDir)
    if (!overrides.store) shutdown.add('close ClickHouse', 0.5, () => store!.close())
    // Not fatal: ClickHouse may come up after sluice; events wait in JetStream meanwhile and the
    // batcher creates the database with the first table.
    await ensureDatabase(store, config.clickhouse.database).catch((err) =>
      logger.warn({ err: (err as Error).message }, 'ClickHouse is not reachable yet; events will wait in JetStream'),
    )
  }

  // Queries get sessions (or a server user) of their own, locked read-only under the query limits.
  let runner: QueryRunner | undefined
  if (store) {
    runner = new QueryRunner(store.querySessions(config.clickhouse.database, config.query), config.clickhouse.database, config.query)
    shutdown.add('close query sessions', 0.2, () => runner!.close())
  }

  let batcher: Batcher | undefined
  if (config.role !== 'ingest') {
    const tables = new TableManager(store!, config.clickhouse)
    const consumer = markRestartSuspects(
      createEventConsumer(queue, { stream: config.nats.stream, ackWaitMs: config.batch.ackWaitMs, maxEvents: config.batch.maxEvents, logger }),
      queue,
      config.nats,
      logger,
    )
    batcher = new Batcher({
      consumer,
      writer: new RowWriter(store!, tables),
      config: config.batch,
      log: logger,
      stopDeadlineMs: config.shutdownTimeoutMs,
      observer: {
        flushed(report) {
          metrics.insertSeconds.observe(report.insertMs / 1000)
          metrics.eventsInserted.inc(report.inserted)
          metrics.eventsDeadLettered.inc(report.deadLettered)
          if (report.deadLettered > 0) {
            logger.warn({ dataset: report.dataset, events: report.deadLettered, table: `${config.clickhouse.database}._dead_letter` }, 'ClickHouse refused events; they are kept in the dead-letter table')
          }
        },
      },
    })
    metrics.observeLag(() => batcher!.lag())
    metrics.observeHeld(() => batcher!.stats().heldBytes)
    const running = batcher.start()
    running.catch((err) => logger.error({ err }, 'the batcher stopped consuming'))
    // What it cannot write by the deadline stays unacknowledged in JetStream for the next start.
    shutdown.add('flush the batcher', 0.8, (_deadline, signal) => batcher!.stop(signal))
  }

  const publisher = timedPublisher(createEventPublisher(queue, { stream: config.nats.stream, logger }), metrics)
  const budget = new InflightBudget(config.ingest.maxInflightBytes)
  metrics.observeInflight(() => budget.usedBytes)
  const datasets = config.role === 'batcher'
    ? undefined
    : await retryWhileStarting('open the dataset registry', () => DatasetRegistry.open(queue, { bucket: datasetBucketFor(config.nats.stream), replicas: config.nats.replicas, maxDatasets: config.ingest.maxDatasets, logger }), logger)
  if (datasets) shutdown.add('stop watching datasets', 0.2, async () => datasets.stop())
  const inFlight = new InFlight()
  // The TTL narrows the window: an older event would be dropped right after it was stored.
  // A retry recognised as such comes within the duplicate window; a minute more for clocks.
  const eventLimits = { ...config.ingest, ttlDays: config.clickhouse.ttlDays, retryMarginMs: config.nats.duplicateWindowMs + 60_000 }
  const app = createApp({
    keys,
    // Browsers may send events from these origins (CORS on /v1 only).
    corsOrigins: config.corsOrigins,
    queryKeys,
    ingest: (request) => {
      if (config.role === 'batcher') return Promise.reject(new WrongRoleError('This node runs ROLE=batcher and takes no events: send them to a node with ROLE=ingest or ROLE=all.'))
      return inFlight.track(ingestRequest(request, { publisher, maxMessageBytes: queue.maxMessageBytes, eventLimits, budget, datasets }))
    },
    runner,
    metrics,
    logger,
    // Ingest keys are public, so the console may write one into its send examples.
    console: config.consoleEnabled ? { database: config.clickhouse.database, exampleIngestKey: generated?.key ?? config.apiKeys.find((k) => !k.startsWith('sha256:')) } : undefined,
    readiness: async () => {
      const [nats, ch] = await Promise.all([
        answersWithin(async () => queue.usable && (await nc.flush().then(() => true, () => false)), READY_CHECK_TIMEOUT_MS),
        store ? answersWithin(() => store!.ping(), READY_CHECK_TIMEOUT_MS) : true,
      ])
      return { nats, clickhouse: ch }
    },
  })
  const shared = config.ingest.processes > 1 || config.ingest.portShared
  const server = listenExclusive(app, { port: config.port, hostname: '0.0.0.0', maxRequestBodySize: Math.max(SERVER_BODY_CAP_BYTES, MAX_BODY_BYTES), shared })
  if (config.ingest.processes > 1) {
    // Every process takes the same keys: the ones this one generated, if it did (else the environment's).
    const env: Record<string, string> = { PORT: String(server.port) }
    if (generated) env.API_KEYS = generated.key
    if (generatedQuery) env.QUERY_KEYS = generatedQuery.key
    const others = startIngestProcesses({ count: config.ingest.processes - 1, dataDir: config.dataDir, env, logger })
    shutdown.add('stop the other ingest processes', 0.9, (deadline) => others.stop(deadline))
  }
  shutdown.add('finish requests in flight', 0.4, async (deadline) => {
    // Stop taking connections, then let requests already inside finish (their events are being
    // made durable); past the deadline, cut the connections still open.
    void server.stop(false)
    const finished = await inFlight.drained(deadline - Date.now())
    if (!finished) void server.stop(true)
  })
  logger.info({ port: server.port, role: config.role, clickhouse: store?.where ?? 'none (ROLE=ingest)', nats: natsUrl, console: config.consoleEnabled ? `http://localhost:${server.port}/` : 'off' }, 'sluice is running')

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    generatedKey: generated?.key,
    generatedQueryKey: generatedQuery?.key,
    metrics,
    batcher,
    nats: nc,
    natsServer,
    stop: (budgetMs = config.shutdownTimeoutMs) => shutdown.run(budgetMs),
  }
}

/** The check's answer, or false when it has none within timeoutMs (a hung dependency is not ready). */
async function answersWithin(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)))
  try {
    return await Promise.race([check().catch(() => false), late])
  } finally {
    clearTimeout(timer)
  }
}

function timedPublisher(inner: EventPublisher, metrics: Metrics): EventPublisher {
  return {
    async publish(chunks) {
      const done = metrics.publishSeconds.startTimer()
      try {
        await inner.publish(chunks)
      } finally {
        done()
      }
    },
  }
}

/** Counts requests being ingested, so shutdown can wait for them. */
class InFlight {
  private count = 0
  private idle: (() => void)[] = []

  async track<T>(work: Promise<T>): Promise<T> {
    this.count++
    try {
      return await work
    } finally {
      if (--this.count === 0) for (const wake of this.idle.splice(0)) wake()
    }
  }

  /** Resolves true once no request is in flight, or false when timeoutMs passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, timeoutMs), false)
      this.idle.push(() => (clearTimeout(timer), resolve(true)))
    })
  }
}
