// The event model: any JSON object, with sensible types for the fields sluice gives meaning to.
import { Type as T, FormatRegistry, type Static } from '@sinclair/typebox'
import { MAX_EVENT_DEPTH } from './storage-rules'

// ISO 8601 date-time as clients send it: date, 'T' or space, time, optional fraction, zone
// optional (read as UTC). Date.parse must also accept it, which rules out 2024-02-31 etc.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i
// A name of our own: Elysia registers its own 'date-time'-style formats in the same registry.
const TIMESTAMP_FORMAT = 'sluice-event-timestamp'
FormatRegistry.Set(TIMESTAMP_FORMAT, (value) => !Number.isNaN(parseIsoTimestamp(value)))

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
  { additionalProperties: true, description: `One event: any JSON object smaller than 256 KB, nesting objects and arrays at most ${MAX_EVENT_DEPTH} levels deep` },
)
export type Event = Static<typeof Event>

export const EventBatch = T.Array(Event, { description: 'A JSON array of events, up to 6 MB uncompressed' })

/** An event that was not accepted, as the 400 response lists it under `invalid`. */
export const InvalidEvent = T.Object({
  index: T.Integer({ description: '0-based position of the event in the request array' }),
  error: T.String({ description: 'What is wrong, as a sentence' }),
  field: T.Optional(T.String({ description: 'The offending field' })),
  bytes: T.Optional(T.Integer({ description: 'The event size, for size errors' })),
})
export type InvalidEvent = Static<typeof InvalidEvent>

const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i

// The schema's format check and enrichment both need the time of the same string, one right after
// the other: remembering the last answer parses each timestamp once.
let lastValue = ''
let lastMs = Number.NaN

/**
 * Milliseconds since the epoch for an ISO 8601 string (a date-time without a zone is UTC), or NaN
 * when the string is not one sluice accepts.
 */
export function parseIsoTimestamp(value: string): number {
  if (value === lastValue) return lastMs
  lastValue = value
  lastMs = parseCanonical(value) ?? (ISO_DATE_TIME.test(value) ? parseUncached(value) : Number.NaN)
  return lastMs
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

/**
 * The form nearly every client sends (what toISOString writes): `YYYY-MM-DDTHH:mm:ss[.sss]Z`,
 * read with charCodeAt instead of a regular expression and Date.parse, which cost several times
 * more per event. NaN for that shape with impossible values; undefined for any other form, which
 * the general path then reads.
 */
function parseCanonical(v: string): number | undefined {
  const n = v.length
  if ((n !== 20 && n !== 24) || v.charCodeAt(n - 1) !== 90 /* Z */) return undefined
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return undefined
  if (n === 24 && v.charCodeAt(19) !== 46 /* . */) return undefined
  const year = digits(v, 0, 4)
  const month = digits(v, 5, 7)
  const day = digits(v, 8, 10)
  const hour = digits(v, 11, 13)
  const minute = digits(v, 14, 16)
  const second = digits(v, 17, 19)
  const ms = n === 24 ? digits(v, 20, 23) : 0
  // Date.UTC reads years below 100 as 19xx: leave those to the general path.
  if (year >= 0 && year < 100) return undefined
  // The shape is canonical, so a value out of range (Feb 30, 24:00) is wrong, not another form.
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return Number.NaN
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return Number.NaN
  return Date.UTC(year, month - 1, day, hour, minute, second, ms)
}

/** The decimal number in v[from, to), or -1 when a character there is not a digit. */
function digits(v: string, from: number, to: number): number {
  let x = 0
  for (let i = from; i < to; i++) {
    const d = v.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    x = x * 10 + d
  }
  return x
}

function parseUncached(value: string): number {
  // Date.parse reads the 'T' form with a zone natively (the common case); a space separator or
  // a missing zone needs help, and a date alone is UTC already.
  const t = value.length > 10 && value.charCodeAt(10) === 32 ? `${value.slice(0, 10)}T${value.slice(11)}` : value
  return Date.parse(t.length <= 10 || HAS_ZONE.test(t) ? t : `${t}Z`)
}
