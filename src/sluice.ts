// Composes one sluice process from a Config: the DATA_DIR lock, the keys, the queue (a local
// nats-server when NATS_URL is unset), the store, then the roles ROLE names and the HTTP server
// that serves them; and takes them down in reverse order within one shutdown budget.
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import type { Batcher } from './batch/batcher'
import type { Config } from './config'
import { loadOrCreateApiKey, loadOrCreateQueryKey } from './embedded/default-api-key'
import { lockDataDir } from './embedded/data-dir-lock'
import { startNatsServer, type NatsServerHandle } from './embedded/nats-server'
import { ConfigError } from './errors'
import { ApiKeys } from './http/api-keys'
import { assertPortFree } from './http/app'
import { MAX_EVENT_BYTES } from './ingest/limits'
import type { Logger } from './log'
import { Metrics } from './metrics'
import { QueueConnection } from './queue/connection'
import { ensureStreamWithRetry, retryWhileStarting } from './queue/stream'
import { startBatcherRole } from './roles/batcher'
import { startHttpServer } from './roles/http-server'
import { startIngestRole } from './roles/ingest'
import { startQueryRole } from './roles/query'
import { Shutdown } from './shutdown'
import { ensureDatabase } from './sink/tables'
import { openStore } from './store/open-store'
import type { Store } from './store/types'

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
  /** What this process serves: events (ROLE=ingest, all) and queries (wherever it has a store). */
  serves: { events: boolean; queries: boolean }
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
  // An ingest-only node needs ClickHouse only to answer /query, and only a server can be shared.
  const usesStore = config.role !== 'ingest' || config.clickhouse.url !== undefined
  if (config.nats.url === undefined || (usesStore && config.clickhouse.url === undefined && !overrides.store)) {
    // Before anything touches DATA_DIR: its nats store and embedded ClickHouse take one process each.
    const lock = lockDataDir(config.dataDir)
    shutdown.add('release DATA_DIR', 1, async () => lock.release())
  }
  if (config.nats.url !== undefined && config.nats.syncInterval !== undefined) {
    throw new ConfigError([`NATS_SYNC_INTERVAL=${JSON.stringify(config.nats.syncInterval)}: applies only to the nats-server sluice starts itself (NATS_URL unset); set sync_interval in the configuration of the NATS servers at ${config.nats.url}`])
  }
  // A port another process holds is a start-up error now, before NATS and ClickHouse are brought up.
  // The extra ingest processes share the port the first one found free (INGEST_PROCESSES).
  if (config.port !== 0 && !config.ingest.portShared) assertPortFree(config.port, config.host)

  const metrics = new Metrics({ processMetrics: true })
  const generatedIngest = config.apiKeys.length === 0 ? loadOrCreateApiKey(config.dataDir).key : undefined
  const generatedQuery = config.queryKeys.length === 0 ? loadOrCreateQueryKey(config.dataDir).key : undefined
  const keys = {
    ingest: new ApiKeys(generatedIngest ? [generatedIngest] : config.apiKeys),
    query: new ApiKeys(generatedQuery ? [generatedQuery] : config.queryKeys),
    generatedIngest,
    generatedQuery,
  }

  const { queue, natsServer, natsUrl } = await openQueue(config, logger, shutdown)
  const store = usesStore ? await openStoreFor(config, overrides, logger, shutdown) : undefined

  const ingest = config.role === 'batcher' ? undefined : await startIngestRole({ config, queue, metrics, logger, shutdown })
  const batcher = config.role === 'ingest' ? undefined : startBatcherRole({ config, queue, store: store!, metrics, logger, shutdown })
  const runner = store ? startQueryRole(config, store, shutdown) : undefined

  const readiness = async () => {
    const [nats, clickhouse] = await Promise.all([
      answersWithin(async () => queue.usable && (await queue.nc.flush().then(() => true, () => false)), READY_CHECK_TIMEOUT_MS),
      store ? answersWithin(() => store.ping(), READY_CHECK_TIMEOUT_MS) : undefined,
    ])
    return clickhouse === undefined ? { nats } : { nats, clickhouse }
  }
  const { port } = startHttpServer({ config, keys, ingest, runner, readiness, metrics, logger, shutdown })
  logger.info(
    { listening: `http://${urlHost(config.host)}:${port}`, role: config.role, nats: natsUrl, ...(store ? { clickhouse: store.where } : {}), console: config.consoleEnabled && runner ? `http://${reachableHost(config.host)}:${port}/` : 'off' },
    'sluice is running',
  )

  return {
    url: `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : urlHost(config.host)}:${port}`,
    port,
    generatedKey: generatedIngest,
    generatedQueryKey: generatedQuery,
    serves: { events: ingest !== undefined, queries: runner !== undefined },
    metrics,
    batcher,
    nats: queue.nc,
    natsServer,
    stop: (budgetMs = config.shutdownTimeoutMs) => shutdown.run(budgetMs),
  }
}

/** The queue: a local nats-server when NATS_URL is unset, the one connection to it, and the stream. */
async function openQueue(config: Config, logger: Logger, shutdown: Shutdown) {
  let natsServer: NatsServerHandle | undefined
  let natsUrl = config.nats.url
  if (natsUrl === undefined) {
    const server = await startNatsServer({ bin: config.nats.serverBin, storeDir: join(config.dataDir, 'nats'), logger, syncInterval: config.nats.syncInterval })
    shutdown.add('stop nats-server', 1, (deadline) => server.stop(Math.max(0, deadline - Date.now() - 200)))
    logger.info({ url: server.url, pid: server.pid }, 'started a local nats-server (NATS_URL is unset)')
    natsServer = server
    natsUrl = server.url
  }
  // One message must carry one whole event and its row.
  const connect = () => QueueConnection.connect(natsUrl!, { logger, minMessageBytes: MAX_EVENT_BYTES + 4 * 1024 })
  // The local server may have died in its first moments (its supervisor starts it again): keep
  // trying as for the stream. A NATS_URL of the user's fails at once, so a wrong one shows at start.
  const queue = natsServer !== undefined ? await retryWhileStarting('connect to the local nats-server', connect, logger) : await connect()
  shutdown.add('close the NATS connection', 0.5, () => queue.nc.drain().catch(() => queue.nc.close()))
  await ensureStreamWithRetry(queue.nc, config.nats, logger)
  if (config.nats.maxAgeMs > 0) {
    // JetStream deletes by age whether or not the batcher wrote the events: say so once, loudly.
    logger.warn({ maxAgeMs: config.nats.maxAgeMs }, 'NATS_STREAM_MAX_AGE_MS is set: events not written to ClickHouse within it are deleted from JetStream, even after their 202')
  }
  return { queue, natsServer, natsUrl }
}

/** The store, and its database made ready when ClickHouse answers. */
async function openStoreFor(config: Config, overrides: SluiceOverrides, logger: Logger, shutdown: Shutdown): Promise<Store> {
  const store = overrides.store ?? openStore(config.clickhouse, config.dataDir)
  if (!overrides.store) shutdown.add('close ClickHouse', 0.5, () => store.close())
  // Not fatal: ClickHouse may come up after sluice; events wait in JetStream meanwhile and the
  // batcher creates the database with the first table. A server that answers but cannot be used
  // (one too old) is a start-up error.
  await ensureDatabase(store, config.clickhouse.database).catch((err) => {
    if (err instanceof ConfigError) throw err
    logger.warn({ err: (err as Error).message }, 'ClickHouse is not reachable yet; events will wait in JetStream')
  })
  return store
}

/** A bound address as it stands in a URL (IPv6 in brackets). */
export const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host)

/** Where a person on this machine reaches a server bound to `host`: localhost for every interface, else that address. */
export const reachableHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? 'localhost' : urlHost(host))

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
