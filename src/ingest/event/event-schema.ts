// The event model: any JSON object, with sensible types for the fields sluice gives meaning to.
import { Type as T, FormatRegistry, type Static } from '@sinclair/typebox'
import { MAX_EVENT_DEPTH } from '../limits'

// ISO 8601 date-time as clients send it: date, 'T' or space, time, optional fraction, zone
// optional (read as UTC). Groups: year, month, day, hour, minute, second, fraction, zone sign,
// zone hours, zone minutes. Every field must exist on the calendar and the clock (readIso).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))?)?$/i
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
  { additionalProperties: true, description: `One event: any JSON object smaller than 256 KB, nesting objects and arrays at most ${MAX_EVENT_DEPTH} levels deep (each dot in a key counting as one more level), with each of the fields below at most once` },
)
export type Event = Static<typeof Event>

/**
 * The top-level fields that must appear once: every field the schema gives meaning to. ClickHouse
 * reads the first of a repeated key (the insert skips duplicated paths) while JSON.parse, and so
 * validation and enrichment, read the last. So {"duration":"x","duration":5} passes validation and
 * is then refused by ClickHouse (`duration` is typed Float64 in the table), and
 * {"service":"first","service":"second"} would store `_service` "second" beside `data.service`
 * "first" (likewise `namespace` and `timestamp`, and the typed string fields).
 * Other repeated keys are stored: `data` shows the first value, `_raw` keeps all of them.
 */
export const SINGLE_FIELDS: readonly string[] = Object.keys(Event.properties)

export const EventBatch = T.Array(Event, { description: 'A JSON array of events, up to 6 MB uncompressed' })

/** An event that was not accepted, as the 400 response lists it under `invalid`. */
export const InvalidEvent = T.Object({
  index: T.Integer({ description: '0-based position of the event in the request array' }),
  error: T.String({ description: 'What is wrong, as a sentence' }),
  field: T.Optional(T.String({ description: 'The offending field' })),
  bytes: T.Optional(T.Integer({ description: 'The event size, for size errors' })),
})
export type InvalidEvent = Static<typeof InvalidEvent>

/** Whether a string has the shape of an ISO 8601 date-time sluice reads (its fields may still be out of range). */
export const hasIsoShape = (value: string): boolean => ISO_DATE_TIME.test(value)

/** Epoch milliseconds of a timestamp the schema accepted (epoch ms already, or an ISO 8601 string). */
export const timestampMs = (timestamp: string | number): number => (typeof timestamp === 'number' ? timestamp : parseIsoTimestamp(timestamp))

/**
 * The time a valid event is stored under: its own when it carries one (already checked by the
 * schema), else receivedMs.
 */
export function eventTimeMs(timestamp: unknown, receivedMs: number): number {
  if (typeof timestamp === 'number') return timestamp
  if (typeof timestamp === 'string') {
    const ms = parseIsoTimestamp(timestamp)
    // Before 1970 does not fit DateTime64(3) as sluice stores it; fall back to arrival time.
    if (ms >= 0) return ms
  }
  return receivedMs
}

// The schema's format check and eventTimeMs both need the time of the same string, one right after
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
  lastMs = parseCanonical(value) ?? readIso(value)
  return lastMs
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const scratch = new Uint8Array(24)
const textEncoder = new TextEncoder()

/** parseCanonicalBytes on a string: its shape is fixed-length ASCII, so its bytes are its characters. */
function parseCanonical(v: string): number | undefined {
  const n = v.length
  if (n !== 20 && n !== 24) return undefined
  const { written } = textEncoder.encodeInto(v, scratch)
  return written === n ? parseCanonicalBytes(scratch, 0, n) : undefined
}

/**
 * The form nearly every client sends (what toISOString writes), `YYYY-MM-DDTHH:mm:ss[.sss]Z`, in
 * b[start, end): read byte by byte instead of with a regular expression and Date.parse, which cost
 * several times more per event. Ingest's single pass reads it straight from the request body
 * (event-fields.ts), so it is the format check of the schema for this shape. NaN for that shape
 * with impossible values; undefined for any other form, which the general path then reads.
 */
export function parseCanonicalBytes(b: Uint8Array, start: number, end: number): number | undefined {
  const n = end - start
  if ((n !== 20 && n !== 24) || b[end - 1] !== 90 /* Z */) return undefined
  if (b[start + 4] !== 45 || b[start + 7] !== 45 || b[start + 10] !== 84 || b[start + 13] !== 58 || b[start + 16] !== 58) return undefined
  if (n === 24 && b[start + 19] !== 46 /* . */) return undefined
  const year = digits(b, start, 4)
  const month = digits(b, start + 5, 2)
  const day = digits(b, start + 8, 2)
  const hour = digits(b, start + 11, 2)
  const minute = digits(b, start + 14, 2)
  const second = digits(b, start + 17, 2)
  const ms = n === 24 ? digits(b, start + 20, 3) : 0
  // Date.UTC reads years below 100 as 19xx: leave those to the general path.
  if (year >= 0 && year < 100) return undefined
  // The shape is canonical, so a value out of range (Feb 30, 24:00) is wrong, not another form.
  if (year < 0 || second < 0 || ms < 0) return Number.NaN
  return epochMs(year, month, day, hour, minute, second, ms)
}

/**
 * Milliseconds since the epoch of a date and time read as UTC, or NaN when a field is not on the
 * calendar or the clock: month 13, Nov 31, Feb 29 outside leap years, hour 24, second 60 (Date.parse
 * rolls some of these into the next month or day instead of refusing them).
 */
function epochMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second > 59) return Number.NaN
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return Number.NaN
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (what Date.UTC computes),
 * in integer arithmetic: http://howardhinnant.github.io/date_algorithms.html#days_from_civil
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/** The decimal number in b[from, from + count), or -1 when a byte there is not a digit. */
function digits(b: Uint8Array, from: number, count: number): number {
  let x = 0
  for (let i = from; i < from + count; i++) {
    const d = b[i]! - 48
    if (d < 0 || d > 9) return -1
    x = x * 10 + d
  }
  return x
}

/** Any form ISO_DATE_TIME admits; a fraction beyond milliseconds is cut off, as Date.parse does. */
function readIso(value: string): number {
  const m = ISO_DATE_TIME.exec(value)
  if (m === null) return Number.NaN
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const local = epochMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms)
  if (m[8] === undefined) return local
  const zoneHours = Number(m[9])
  const zoneMinutes = Number(m[10])
  if (zoneHours > 23 || zoneMinutes > 59) return Number.NaN
  return local - (m[8] === '-' ? -1 : 1) * (zoneHours * 3_600_000 + zoneMinutes * 60_000)
}
