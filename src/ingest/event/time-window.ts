// The event time window: how far before and after the time received an event's own timestamp may
// be. It bounds the day partitions one request can touch (a request of 3,000 distinct days would
// create 3,000 parts) and refuses events the table's TTL would drop right after storing them.
import type { EventProblem } from './event-problem'

const DAY_MS = 86_400_000

/** The accepted event time window, in days around the time received; 0 disables a side. */
export interface EventLimits {
  /** EVENT_MAX_PAST_DAYS */
  maxPastDays: number
  /** EVENT_MAX_FUTURE_DAYS */
  maxFutureDays: number
  /** CLICKHOUSE_TTL_DAYS: when shorter than maxPastDays it is the past limit (0: no TTL). */
  ttlDays?: number
  /**
   * How long after a request its retry may still come and be recognised (the JetStream duplicate
   * window, plus slack for clocks): an event this close to an edge may be judged otherwise by the
   * retry (nearWindowEdge). Unset: 0.
   */
  retryMarginMs?: number
}

/**
 * The window around one time received, its edges computed once: ingest checks every event of a
 * request against the same window, so nothing is computed or allocated per event but the comparisons.
 */
export class TimeWindow {
  /** Earliest and latest event time accepted (epoch ms; -Infinity / Infinity when a side is off). */
  readonly earliestMs: number
  readonly latestMs: number
  /** The past limit in days (the TTL when it is the narrower), and whether the TTL set it. */
  private readonly maxPastDays: number
  private readonly byTtl: boolean
  private readonly marginMs: number

  constructor(receivedMs: number, private readonly limits: EventLimits) {
    const ttl = limits.ttlDays ?? 0
    // An event older than the TTL would be stored and then dropped by it: refuse it instead.
    this.byTtl = ttl > 0 && (limits.maxPastDays === 0 || ttl < limits.maxPastDays)
    this.maxPastDays = this.byTtl ? ttl : limits.maxPastDays
    this.earliestMs = this.maxPastDays > 0 ? receivedMs - this.maxPastDays * DAY_MS : -Infinity
    this.latestMs = limits.maxFutureDays > 0 ? receivedMs + limits.maxFutureDays * DAY_MS : Infinity
    this.marginMs = limits.retryMarginMs ?? 0
  }

  /** Whether problem(timeMs) is undefined, without making one. */
  contains(timeMs: number): boolean {
    return !(timeMs < this.earliestMs || timeMs > this.latestMs)
  }

  /**
   * Whether timeMs lies within retryMarginMs of an edge: a retry of the request, judged against its
   * own time received, may then accept what this attempt refused, or the other way round.
   */
  nearEdge(timeMs: number): boolean {
    const margin = this.marginMs
    return margin > 0 && (Math.abs(timeMs - this.earliestMs) <= margin || Math.abs(timeMs - this.latestMs) <= margin)
  }

  /** Undefined when timeMs lies in the window, otherwise why not. */
  problem(timeMs: number): EventProblem | undefined {
    const { maxPastDays, byTtl } = this
    if (timeMs < this.earliestMs) {
      const limit = byTtl ? `CLICKHOUSE_TTL_DAYS (${maxPastDays} days, after which the table drops rows)` : `EVENT_MAX_PAST_DAYS (${maxPastDays} days)`
      return {
        field: 'timestamp',
        error: `The timestamp ${iso(timeMs)} is more than ${maxPastDays} days before the time received; events older than ${limit} are refused.`,
      }
    }
    if (timeMs > this.latestMs) {
      const maxFutureDays = this.limits.maxFutureDays
      return {
        field: 'timestamp',
        error: `The timestamp ${iso(timeMs)} is more than ${maxFutureDays} days after the time received; events further ahead than EVENT_MAX_FUTURE_DAYS (${maxFutureDays} days) are refused.`,
      }
    }
    return undefined
  }
}

/** TimeWindow.nearEdge for one event. */
export const nearWindowEdge = (timeMs: number, receivedMs: number, limits: EventLimits): boolean => new TimeWindow(receivedMs, limits).nearEdge(timeMs)

/** TimeWindow.problem for one event: undefined when timeMs lies in the window around receivedMs. */
export const timeWindowProblem = (timeMs: number, receivedMs: number, limits: EventLimits): EventProblem | undefined => new TimeWindow(receivedMs, limits).problem(timeMs)

function iso(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString()
}
