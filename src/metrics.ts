// Prometheus metrics of one sluice process (GET /metrics). A registry per process object rather
// than prom-client's global one, so tests can build several apps side by side. The output passes
// `promtool check metrics` (test/integration/surface-live.test.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { RequestCounter, RouteLatency } from './http-metrics'
import type { HttpRoute } from './http-routes'

const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * prom-client's default gauges that end in `_total`, which Prometheus reserves for counters
 * (https://prometheus.io/docs/practices/naming/): promtool refuses them. Each has a twin without
 * the suffix (nodejs_active_handles, ...) that stays.
 */
const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

export class Metrics {
  readonly registry = new Registry()
  /** Requests by route and status, and latency by route: counted without building anything per request. */
  readonly requests = new RequestCounter(this.registry)
  readonly httpSeconds = new RouteLatency(this.registry, LATENCY_BUCKETS_SECONDS)
  readonly bodyBytes = new Counter({ name: 'sluice_ingest_body_bytes_total', help: 'Uncompressed request body bytes read by ingest', registers: [this.registry] })
  readonly eventsAccepted = new Counter({ name: 'sluice_events_accepted_total', help: 'Events accepted and stored in JetStream', registers: [this.registry] })
  readonly eventsRejected = new Counter({ name: 'sluice_events_rejected_total', help: 'Events refused by validation (listed under invalid)', registers: [this.registry] })
  readonly publishSeconds = new Histogram({ name: 'sluice_publish_duration_seconds', help: 'Time from publishing a message of events to its JetStream ack', buckets: LATENCY_BUCKETS_SECONDS, registers: [this.registry] })
  readonly insertSeconds = new Histogram({ name: 'sluice_insert_duration_seconds', help: 'Time of one batch insert into ClickHouse', buckets: LATENCY_BUCKETS_SECONDS, registers: [this.registry] })
  readonly eventsInserted = new Counter({ name: 'sluice_events_inserted_total', help: 'Events written to ClickHouse by the batcher', registers: [this.registry] })
  readonly eventsDeadLettered = new Counter({ name: 'sluice_events_dead_lettered_total', help: 'Events ClickHouse refused, kept in the _dead_letter table', registers: [this.registry] })
  /** Read when /metrics is scraped (it costs a JetStream request); unset on an ingest-only node. */
  private readLag: (() => Promise<number>) | undefined
  readonly batcherLag = new Gauge({
    name: 'sluice_batcher_lag_events',
    help: 'Messages in JetStream not yet confirmed by the batcher group (-1: unknown)',
    registers: [this.registry],
    collect: async () => {
      if (this.readLag) this.batcherLag.set(await this.readLag().catch(() => -1))
    },
  })

  /** Read when /metrics is scraped; unset where the node has no such part. */
  private readInflight: (() => number) | undefined
  private readHeld: (() => number) | undefined
  readonly inflightBytes = new Gauge({
    name: 'sluice_ingest_inflight_bytes',
    help: 'Bytes of requests in flight counted against INGEST_MAX_INFLIGHT_BYTES',
    registers: [this.registry],
    collect: () => {
      if (this.readInflight) this.inflightBytes.set(this.readInflight())
    },
  })
  readonly heldBytes = new Gauge({
    name: 'sluice_batcher_held_bytes',
    help: 'Bytes of queued events the batcher holds (waiting and being written), bounded by BATCH_MAX_HELD_BYTES',
    registers: [this.registry],
    collect: () => {
      if (this.readHeld) this.heldBytes.set(this.readHeld())
    },
  })

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) {
      // No prefix: process_* and nodejs_* are standard names that dashboards and alerts expect.
      collectDefaultMetrics({ register: this.registry })
      for (const name of MISNAMED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name)
    }
  }

  /** Counts an HTTP response under its route and status, and passes it on. */
  counted(route: 'events' | 'otlp' | 'query', response: Response): Response {
    this.requests.inc(route, response.status)
    return response
  }

  /** Records how long a request to `route` took to answer. */
  observeLatency(route: HttpRoute, seconds: number): void {
    this.httpSeconds.observe(route, seconds)
  }

  observeLag(read: () => Promise<number>): void {
    this.readLag = read
  }

  observeInflight(read: () => number): void {
    this.readInflight = read
  }

  observeHeld(read: () => number): void {
    this.readHeld = read
  }
}
