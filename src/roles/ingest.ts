// The ingest role: POST /v1/<dataset> and everything a request needs to be judged and made durable
// (the publisher, the per-node byte budget, the dataset registry), and the count of requests in
// flight that shutdown waits for.
import type { Config } from '../config'
import { InflightBudget } from '../ingest/inflight-budget'
import { ingestRequest, type IngestOutcome, type IngestRequest } from '../ingest/ingest-request'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { QueueConnection } from '../queue/connection'
import { DatasetRegistry, datasetBucketFor } from '../queue/dataset-registry'
import { createEventPublisher } from '../queue/publisher'
import { retryWhileStarting } from '../queue/stream'
import type { EventPublisher } from '../queue/types'
import type { Shutdown } from '../shutdown'

export interface IngestRole {
  ingest(request: IngestRequest): Promise<IngestOutcome>
  /** The node's in-flight byte budget, shared with the OTLP routes (which decode bodies before ingest reads them). */
  budget: InflightBudget
  /** Resolves true once no request is in flight, or false when timeoutMs passes first. */
  drained(timeoutMs: number): Promise<boolean>
}

export interface IngestRoleDeps {
  config: Config
  queue: QueueConnection
  metrics: Metrics
  logger: Logger
  shutdown: Shutdown
}

export async function startIngestRole({ config, queue, metrics, logger, shutdown }: IngestRoleDeps): Promise<IngestRole> {
  const publisher = timedPublisher(createEventPublisher(queue, { stream: config.nats.stream, logger }), metrics)
  const budget = new InflightBudget(config.ingest.maxInflightBytes)
  metrics.observeInflight(() => budget.usedBytes)
  const datasets = await retryWhileStarting(
    'open the dataset registry',
    () => DatasetRegistry.open(queue, { bucket: datasetBucketFor(config.nats.stream), replicas: config.nats.replicas, maxDatasets: config.ingest.maxDatasets, logger }),
    logger,
  )
  shutdown.add('stop watching datasets', 0.2, async () => datasets.stop())
  // The TTL narrows the window: an older event would be dropped right after it was stored.
  // A retry recognised as such comes within the duplicate window; a minute more for clocks.
  const eventLimits = { ...config.ingest, ttlDays: config.clickhouse.ttlDays, retryMarginMs: config.nats.duplicateWindowMs + 60_000 }
  const inFlight = new InFlight()
  return {
    ingest: (request) => inFlight.track(ingestRequest(request, { publisher, maxMessageBytes: queue.maxMessageBytes, eventLimits, budget, datasets })),
    drained: (timeoutMs) => inFlight.drained(timeoutMs),
    budget,
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

  drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, timeoutMs), false)
      this.idle.push(() => (clearTimeout(timer), resolve(true)))
    })
  }
}
