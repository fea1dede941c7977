// The batcher role: pulls events from JetStream, writes them into one ClickHouse table per dataset,
// and acknowledges them only once ClickHouse has them. Stopping flushes what it holds within the
// shutdown budget; the rest stays unacknowledged in JetStream for the next start.
import { Batcher } from '../batch/batcher'
import type { Config } from '../config'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { QueueConnection } from '../queue/connection'
import { createEventConsumer } from '../queue/consumer'
import { markRestartSuspects } from '../queue/restart-suspects'
import type { Shutdown } from '../shutdown'
import { RowWriter } from '../sink/row-writer'
import { TableManager } from '../sink/tables'
import type { Store } from '../store/types'

export interface BatcherRoleDeps {
  config: Config
  queue: QueueConnection
  store: Store
  metrics: Metrics
  logger: Logger
  shutdown: Shutdown
}

export function startBatcherRole({ config, queue, store, metrics, logger, shutdown }: BatcherRoleDeps): Batcher {
  const consumer = markRestartSuspects(
    createEventConsumer(queue, { stream: config.nats.stream, ackWaitMs: config.batch.ackWaitMs, maxEvents: config.batch.maxEvents, logger }),
    queue,
    config.nats,
    logger,
  )
  const batcher = new Batcher({
    consumer,
    writer: new RowWriter(store, new TableManager(store, config.clickhouse)),
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
  metrics.observeLag(() => batcher.lag())
  metrics.observeHeld(() => batcher.stats().heldBytes)
  batcher.start().catch((err) => logger.error({ err }, 'the batcher stopped consuming'))
  shutdown.add('flush the batcher', 0.8, (_deadline, signal) => batcher.stop(signal))
  return batcher
}
