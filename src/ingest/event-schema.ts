// The event model: any JSON object, with sensible types for the fields sluice gives meaning to.
import { Type as T, FormatRegistry, type Static } from '@sinclair/typebox'

// ISO 8601 date-time as clients send it: date, 'T' or space, time, optional fraction, zone
// optional (read as UTC). Date.parse must also accept it, which rules out 2024-02-31 etc.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i
// A name of our own: Elysia registers its own 'date-time'-style formats in the same registry.
const TIMESTAMP_FORMAT = 'sluice-event-timestamp'
FormatRegistry.Set(TIMESTAMP_FORMAT, (value) => ISO_DATE_TIME.test(value) && !Number.isNaN(parseIsoTimestamp(value)))

/** Epoch milliseconds sluice accepts: 1970-01-01 up to the end of year 9999 (DateTime64(3)'s range). */
export const MAX_EPOCH_MS = 253402300799999

export const EventTimestamp = T.Union(
  [
    T.String({ format: TIMESTAMP_FORMAT, description: 'ISO 8601 date-time; without a zone it is read as UTC' }),
    T.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'epoch milliseconds' }),
  ],
  { description: "the event's own time; when absent, the time sluice received it" },
)

export const Event = T.Object(
  {
    timestamp: T.Optional(EventTimestamp),
    message: T.Optional(T.String()),
    level: T.Optional(T.String()),
    requestId: T.Optional(T.String()),
    traceId: T.Optional(T.String()),
    service: T.Optional(T.String({ description: 'overrides the x-service header for this event' })),
    namespace: T.Optional(T.String({ description: 'overrides the x-namespace header for this event' })),
    duration: T.Optional(T.Number()),
  },
  { additionalProperties: true, description: 'One event: any JSON object smaller than 256 KB' },
)
export type Event = Static<typeof Event>

export const EventBatch = T.Array(Event, { description: 'A JSON array of events, up to 6 MB uncompressed' })

const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i

// The schema's format check and enrichment both need the time of the same string, one right after
// the other: remembering the last answer parses each timestamp once.
let lastValue = ''
let lastMs = Number.NaN

/** Milliseconds since the epoch for an ISO 8601 string; a date-time without a zone is UTC. */
export function parseIsoTimestamp(value: string): number {
  if (value === lastValue) return lastMs
  lastValue = value
  lastMs = parseUncached(value)
  return lastMs
}

function parseUncached(value: string): number {
  // Date.parse reads the 'T' form with a zone natively (the common case); a space separator or
  // a missing zone needs help, and a date alone is UTC already.
  const t = value.length > 10 && value.charCodeAt(10) === 32 ? `${value.slice(0, 10)}T${value.slice(11)}` : value
  return Date.parse(t.length <= 10 || HAS_ZONE.test(t) ? t : `${t}Z`)
}
