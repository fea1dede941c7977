// Builds and runs one sluice process from a Config: the local nats-server when none is given,
// the JetStream stream, ClickHouse, the batcher and the HTTP server, per ROLE; and takes them
// down in order.
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { Batcher } from './batch/batcher'
import type { Config } from './config'
import { loadOrCreateApiKey } from './embedded/default-api-key'
import { startNatsServer, type NatsServerHandle } from './embedded/nats-server'
import { QueueUnavailableError, WrongRoleError } from './errors'
import { ApiKeys } from './http/api-keys'
import { createApp } from './http/app'
import { ingestRequest } from './ingest/ingest-request'
import { MAX_BODY_BYTES, MAX_EVENT_BYTES } from './ingest/limits'
import type { Logger } from './log'
import { Metrics } from './metrics'
import { QueryRunner } from './query/run-query'
import { createEventConsumer } from './queue/consumer'
import { DEFAULT_MAX_MESSAGE_BYTES } from './queue/message-format'
import { createEventPublisher } from './queue/publisher'
import { connectNats, ensureStream, NatsLink } from './queue/stream'
import type { EventPublisher } from './queue/types'
import { createClickHouse, pingClickHouse, type ClickHouseClient } from './sink/clickhouse'
import { RowWriter } from './sink/row-writer'
import { ensureDatabase, TableManager } from './sink/tables'

/** How long in-flight requests may take to finish after a stop signal. */
export const DRAIN_REQUESTS_MS = 10_000
/** Bun's own body cap; sluice enforces MAX_BODY_BYTES itself, with a JSON answer, while streaming. */
const SERVER_BODY_CAP_BYTES = 1024 * 1024 * 1024

export interface SluiceOverrides {
  /** An already open ClickHouse client (tests share one embedded engine per process). */
  clickhouse?: ClickHouseClient
  logger: Logger
}

export interface RunningSluice {
  /** Base URL of the HTTP server. */
  url: string
  port: number
  /** The key to use when API_KEYS is unset (generated and kept in DATA_DIR). */
  generatedKey?: string
  metrics: Metrics
  batcher?: Batcher
  nats: NatsConnection
  stop(): Promise<void>
}

export async function startSluice(config: Config, overrides: SluiceOverrides): Promise<RunningSluice> {
  const { logger } = overrides
  const cleanup: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => logger.error({ err }, 'shutdown step failed'))
  }
  try {
    return await start(config, overrides, logger, cleanup, stopAll)
  } catch (error) {
    await stopAll()
    throw error
  }
}

async function start(config: Config, overrides: SluiceOverrides, logger: Logger, cleanup: (() => Promise<void>)[], stopAll: () => Promise<void>): Promise<RunningSluice> {
  const metrics = new Metrics({ processMetrics: true })
  const generated = config.apiKeys.length === 0 ? loadOrCreateApiKey(config.dataDir) : undefined
  const keys = new ApiKeys(generated ? [generated.key] : config.apiKeys)

  let natsServer: NatsServerHandle | undefined
  let natsUrl = config.nats.url
  if (natsUrl === undefined) {
    natsServer = await startNatsServer({ bin: config.nats.serverBin, storeDir: join(config.dataDir, 'nats'), logger })
    cleanup.push(() => natsServer!.stop())
    natsUrl = natsServer.url
    logger.info({ url: natsUrl, pid: natsServer.pid }, 'started a local nats-server (NATS_URL is unset)')
  }
  const nc = await connectNats(natsUrl, logger)
  cleanup.push(() => nc.drain().catch(() => nc.close()))
  await ensureStream(await nc.jetstreamManager(), config.nats)
  const natsLink = new NatsLink(nc)
  const maxMessageBytes = messageBytesFor(nc.info?.max_payload)

  // An ingest-only node needs ClickHouse only to answer /query, and only a server can be shared.
  const usesClickHouse = config.role !== 'ingest' || config.clickhouse.url !== undefined
  let clickhouse: ClickHouseClient | undefined
  if (usesClickHouse) {
    clickhouse = overrides.clickhouse ?? createClickHouse(config.clickhouse, config.dataDir)
    if (!overrides.clickhouse) cleanup.push(() => clickhouse!.close())
    // Not fatal: ClickHouse may come up after sluice; events wait in JetStream meanwhile and the
    // batcher creates the database with the first table.
    await ensureDatabase(clickhouse, config.clickhouse.database).catch((err) =>
      logger.warn({ err: (err as Error).message }, 'ClickHouse is not reachable yet; events will wait in JetStream'),
    )
  }

  let batcher: Batcher | undefined
  if (config.role !== 'ingest') {
    const tables = new TableManager(clickhouse!, config.clickhouse)
    const consumer = createEventConsumer(nc, { stream: config.nats.stream, ackWaitMs: config.batch.ackWaitMs, maxEvents: config.batch.maxEvents, logger })
    batcher = new Batcher({
      consumer,
      writer: new RowWriter(clickhouse!, tables),
      config: config.batch,
      log: logger,
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
    const running = batcher.start()
    running.catch((err) => logger.error({ err }, 'the batcher stopped consuming'))
    cleanup.push(() => batcher!.stop())
  }

  const publisher = timedPublisher(createEventPublisher(nc, { stream: config.nats.stream, logger }), metrics)
  const inFlight = new InFlight()
  const app = createApp({
    keys,
    ingest: (request) => {
      if (config.role === 'batcher') return Promise.reject(new WrongRoleError('This node runs ROLE=batcher and takes no events: send them to a node with ROLE=ingest or ROLE=all.'))
      return inFlight.track(ingestRequest(request, { publisher, maxMessageBytes, eventLimits: { ...config.ingest, ttlDays: config.clickhouse.ttlDays } }))
    },
    runner: clickhouse ? new QueryRunner(clickhouse, config.clickhouse.url !== undefined) : undefined,
    metrics,
    logger,
    readiness: async () => ({
      nats: natsLink.usable && (await nc.flush().then(() => true, () => false)),
      clickhouse: clickhouse ? await pingClickHouse(clickhouse) : true,
    }),
  })
  app.listen({ port: config.port, hostname: '0.0.0.0', maxRequestBodySize: Math.max(SERVER_BODY_CAP_BYTES, MAX_BODY_BYTES) })
  const server = app.server!
  cleanup.push(async () => {
    // Stop taking connections, then let requests already inside finish (their events are being
    // made durable), then the rest of the pipeline goes down in reverse order of start.
    void server.stop(false)
    await inFlight.drained(DRAIN_REQUESTS_MS)
  })
  logger.info({ port: server.port, role: config.role, clickhouse: config.clickhouse.url ?? 'embedded chDB', nats: natsUrl }, 'sluice is running')

  let stopping: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    generatedKey: generated?.key,
    metrics,
    batcher,
    nats: nc,
    stop: () => (stopping ??= stopAll()),
  }
}

/**
 * Message size for this NATS: its max_payload less room for headers, at most the stream's limit.
 * A server that cannot carry one whole event (256 KB) plus its row text cannot run sluice.
 */
function messageBytesFor(maxPayload: number | undefined): number {
  const bytes = Math.min(DEFAULT_MAX_MESSAGE_BYTES, (maxPayload ?? DEFAULT_MAX_MESSAGE_BYTES) - 4 * 1024)
  if (bytes < MAX_EVENT_BYTES + 4 * 1024) {
    throw new QueueUnavailableError(`the NATS server's max_payload (${maxPayload} bytes) is too small: sluice needs at least ${MAX_EVENT_BYTES + 8 * 1024} bytes to carry a 256 KB event`)
  }
  return bytes
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

  drained(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.idle.push(() => (clearTimeout(timer), resolve()))
    })
  }
}
