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

/** The past limit in days (the TTL when it is the narrower), and whether the TTL set it. */
function pastLimit(limits: EventLimits): { maxPastDays: number; byTtl: boolean } {
  const ttl = limits.ttlDays ?? 0
  // An event older than the TTL would be stored and then dropped by it: refuse it instead.
  const byTtl = ttl > 0 && (limits.maxPastDays === 0 || ttl < limits.maxPastDays)
  return { maxPastDays: byTtl ? ttl : limits.maxPastDays, byTtl }
}

/**
 * Whether timeMs lies within retryMarginMs of an edge of the window: a retry of the request, judged
 * against its own time received, may then accept what this attempt refused, or the other way round.
 */
export function nearWindowEdge(timeMs: number, receivedMs: number, limits: EventLimits): boolean {
  const margin = limits.retryMarginMs ?? 0
  if (margin <= 0) return false
  const { maxPastDays } = pastLimit(limits)
  if (maxPastDays > 0 && Math.abs(timeMs - (receivedMs - maxPastDays * DAY_MS)) <= margin) return true
  return limits.maxFutureDays > 0 && Math.abs(timeMs - (receivedMs + limits.maxFutureDays * DAY_MS)) <= margin
}

/** Undefined when timeMs (the event's own time) lies in the window around receivedMs. */
export function timeWindowProblem(timeMs: number, receivedMs: number, limits: EventLimits): EventProblem | undefined {
  const { maxFutureDays } = limits
  const { maxPastDays, byTtl } = pastLimit(limits)
  if (maxPastDays > 0 && timeMs < receivedMs - maxPastDays * DAY_MS) {
    const limit = byTtl ? `CLICKHOUSE_TTL_DAYS (${maxPastDays} days, after which the table drops rows)` : `EVENT_MAX_PAST_DAYS (${maxPastDays} days)`
    return {
      field: 'timestamp',
      error: `The timestamp ${iso(timeMs)} is more than ${maxPastDays} days before the time received; events older than ${limit} are refused.`,
    }
  }
  if (maxFutureDays > 0 && timeMs > receivedMs + maxFutureDays * DAY_MS) {
    return {
      field: 'timestamp',
      error: `The timestamp ${iso(timeMs)} is more than ${maxFutureDays} days after the time received; events further ahead than EVENT_MAX_FUTURE_DAYS (${maxFutureDays} days) are refused.`,
    }
  }
  return undefined
}

function iso(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString()
}
