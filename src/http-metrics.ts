// The HTTP metrics: requests by route and status, and a latency histogram by route, kept in plain
// arrays so that counting a request builds nothing (prom-client hashes a label object into a string
// on every inc / observe, even through a bound child). They join the registry as custom metrics:
// prom-client calls get() at scrape time and formats what it returns.
import type { Registry } from 'prom-client'
import { HTTP_ROUTES, type HttpRoute } from './http-routes'

/** What prom-client's registry reads from a metric (lib/registry.js, getMetricsAsString). */
interface MetricSnapshot {
  name: string
  help: string
  type: 'counter' | 'histogram'
  values: { metricName?: string; labels: Record<string, string | number>; value: number }[]
  aggregator: 'sum'
}

const ROUTE_INDEX = new Map<string, number>(HTTP_ROUTES.map((route, i) => [route, i]))
/** HTTP statuses are three digits; anything else is counted as 0. */
const STATUS_SLOTS = 600

export class RequestCounter {
  readonly name = 'sluice_http_requests_total'
  readonly help = 'HTTP requests by route and status'
  private readonly counts = new Map<string, Float64Array>()

  constructor(registry: Registry) {
    registry.registerMetric(this as never)
  }

  inc(route: string, status: number): void {
    let byStatus = this.counts.get(route)
    if (byStatus === undefined) this.counts.set(route, (byStatus = new Float64Array(STATUS_SLOTS)))
    byStatus[status > 0 && status < STATUS_SLOTS ? status : 0]! += 1
  }

  get(): MetricSnapshot {
    const values: MetricSnapshot['values'] = []
    for (const [route, byStatus] of this.counts) {
      byStatus.forEach((count, status) => {
        if (count > 0) values.push({ labels: { route, status }, value: count })
      })
    }
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' }
  }
}

export class RouteLatency {
  readonly name = 'sluice_http_request_duration_seconds'
  readonly help = 'Time from a request arriving to its response being ready (before its body is sent), by route'
  /** Per route: one count per bucket (not cumulative), then the +Inf overflow. */
  private readonly buckets: Float64Array[]
  private readonly sums = new Float64Array(HTTP_ROUTES.length)
  private readonly counts = new Float64Array(HTTP_ROUTES.length)

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = HTTP_ROUTES.map(() => new Float64Array(bounds.length + 1))
    registry.registerMetric(this as never)
  }

  observe(route: HttpRoute, seconds: number): void {
    const i = ROUTE_INDEX.get(route)!
    const buckets = this.buckets[i]!
    let b = 0
    while (b < this.bounds.length && seconds > this.bounds[b]!) b++
    buckets[b]! += 1
    this.sums[i]! += seconds
    this.counts[i]! += 1
  }

  get(): MetricSnapshot {
    const values: MetricSnapshot['values'] = []
    HTTP_ROUTES.forEach((route, i) => {
      if (this.counts[i] === 0) return
      let cumulative = 0
      this.bounds.forEach((le, b) => {
        cumulative += this.buckets[i]![b]!
        values.push({ metricName: `${this.name}_bucket`, labels: { le, route }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', route }, value: this.counts[i]! })
      values.push({ metricName: `${this.name}_sum`, labels: { route }, value: this.sums[i]! })
      values.push({ metricName: `${this.name}_count`, labels: { route }, value: this.counts[i]! })
    })
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }
}
