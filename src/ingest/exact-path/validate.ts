// Decides whether one parsed event is accepted: the compiled TypeBox schema, then the rules that
// keep what ingest accepts and what ClickHouse stores the same (storage-rules.ts), then the event
// time window. Every refusal is a sentence a person can act on.
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { EventProblem } from '../event/event-problem'
import { Event, hasIsoShape, timestampMs } from '../event/event-schema'
import { timeWindowProblem, type EventLimits } from '../event/time-window'
import { storageProblem } from './storage-rules'

export type { EventProblem } from '../event/event-problem'
export type { EventLimits } from '../event/time-window'

const checker = TypeCompiler.Compile(Event)

// What each well-known field must be, in words; the schema is the source of truth for the check.
const EXPECTED: Record<string, string> = {
  timestamp: 'an ISO 8601 date-time string (e.g. "2024-05-01T12:00:00.000Z") or epoch milliseconds (a whole number)',
  message: 'a string',
  level: 'a string',
  requestId: 'a string',
  traceId: 'a string',
  service: 'a string',
  namespace: 'a string',
  duration: 'a number',
}

/** Where a parsed event came from, for the checks its parsed value cannot answer. */
export interface EventSource {
  /** The request body; the event is bytes[start, end). */
  bytes: Uint8Array
  start: number
  end: number
  receivedMs: number
  limits?: EventLimits
}

/**
 * Returns undefined when the value is a valid event, otherwise what is wrong with it. Without a
 * source only the schema is checked (the rules beyond it read the event's bytes).
 */
export function checkEvent(value: unknown, source?: EventSource): EventProblem | undefined {
  if (checker.Check(value)) {
    if (source === undefined) return undefined
    const event = value as Record<string, unknown>
    const problem = storageProblem(source.bytes, source.start, source.end)
    if (problem !== undefined || source.limits === undefined) return problem
    const timestamp = event.timestamp
    if (timestamp === undefined) return undefined
    const ms = timestampMs(timestamp as string | number)
    return timeWindowProblem(ms, source.receivedMs, source.limits)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: `The event must be a JSON object, but it is ${describe(value)}.` }
  }
  const first = checker.Errors(value).First()
  const field = first?.path.split('/')[1]
  if (field === undefined || !(field in EXPECTED)) {
    return { error: `The event does not match the event schema: ${first?.message ?? 'unknown reason'}.` }
  }
  const got = (value as Record<string, unknown>)[field]
  if (field === 'timestamp' && typeof got === 'string' && hasIsoShape(got)) {
    return { field, error: `Field "timestamp" is ${describe(got)}, shaped like an ISO 8601 date-time but naming no real moment (a day past the end of its month, month 13, hour 24, minute or second 60, or a zone offset beyond 23:59); send a date and time that exist.` }
  }
  return { field, error: `Field "${field}" must be ${EXPECTED[field]}, but it is ${describe(got)}.` }
}

/** A short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `the string "${value.slice(0, 40)}…"` : `the string ${JSON.stringify(value)}`
    case 'number':
      return `the number ${value}`
    case 'boolean':
      return `${value}`
    case 'object':
      return 'an object'
    default:
      return typeof value
  }
}
