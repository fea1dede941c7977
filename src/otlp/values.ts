// OTLP values as JSON, from either encoding: protobuf as protobufjs decodes it (64-bit integers as
// Long, bytes as Buffer, a oneof member present as an own property) or OTLP/JSON as JSON.parse
// gives it (64-bit integers as decimal strings or numbers, ids as hex, bytes as base64). The two
// codecs below answer the same questions, so one mapping (records.ts) serves both.
import { MAX_EPOCH_MS } from '../ingest/event/event-schema'

/** A 64-bit integer as protobufjs decodes it (the `long` package's Long). */
export interface LongLike {
  low: number
  high: number
  unsigned: boolean
  toString(): string
}

/** A time in nanoseconds since the epoch, split where a double stays exact. */
export interface NanoTime {
  ms: number
  /** Nanoseconds past `ms`: 0 to 999,999. */
  subMs: number
}

/** The body is not OTLP as the route expects it (400): the sentence names what and where. */
export class OtlpShapeError extends Error {}

/** 2^32 = 4294 * 10^6 + 967296: splits a 64-bit count of nanoseconds without losing a digit. */
const MS_PER_HIGH_WORD = 4294
const REST_PER_HIGH_WORD = 967296
const TWO_32 = 4294967296
const HEX = /^(?:[0-9a-fA-F]{2})*$/
const DECIMAL = /^-?\d{1,20}$/

export interface ValueCodec {
  /** A repeated field: [] when absent. */
  list(value: unknown, field: string): readonly any[]
  string(value: unknown, field: string): string
  /** An unsigned 32-bit field or an enum. */
  count(value: unknown, field: string): number
  /** A fixed64 time; undefined when zero or absent. */
  time(value: unknown, field: string): NanoTime | undefined
  /** Trace, span or parent span id as lowercase hex; '' when empty. */
  id(value: unknown, field: string): string
  /** A message field (resource, scope, status); undefined when absent. */
  object(value: unknown, field: string): Record<string, any> | undefined
  /** An AnyValue as JSON. */
  any(value: unknown, depth: number): unknown
}

/** ISO 8601 with nanoseconds (`2026-11-26T16:19:00.123456789Z`); epoch ms past year 9999 (the event window refuses it). */
export function isoTime({ ms, subMs }: NanoTime): string | number {
  if (ms > MAX_EPOCH_MS) return ms
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 23)}${String(subMs).padStart(6, '0')}Z`
}

/** end - start in milliseconds (fractional: nanosecond precision within 2^53 ns, 104 days). */
export const durationMs = (start: NanoTime, end: NanoTime): number => end.ms - start.ms + (end.subMs - start.subMs) / 1e6

/** Key-value pairs as one object: the last of a repeated key wins, and `__proto__` is a key like any other. */
export function keyValues(pairs: readonly any[], codec: ValueCodec, depth: number, field: string): Record<string, unknown> | undefined {
  if (pairs.length === 0) return undefined
  const object: Record<string, unknown> = {}
  for (const pair of pairs) {
    if (pair === null || typeof pair !== 'object') throw new OtlpShapeError(`${field} holds a value that is not a key-value pair`)
    const key = codec.string(pair.key, `${field} key`)
    let value: unknown
    try {
      value = codec.any(pair.value, depth + 1)
    } catch (error) {
      if (error instanceof OtlpShapeError) throw new OtlpShapeError(`${field}[${JSON.stringify(key.slice(0, 40))}]: ${error.message}`)
      throw error
    }
    if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
    else object[key] = value
  }
  return object
}

const hasOwn = Object.hasOwn

/** Doubles JSON cannot write are written as OTLP/JSON writes them. */
const double = (n: number): number | string => (Number.isFinite(n) ? n : Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity')

/** A Long as a number when the double is exact, else as its decimal text. */
function longValue(v: LongLike): number | string {
  const high = v.unsigned ? v.high >>> 0 : v.high
  if (high >= -2097152 && high < 2097152) return high * TWO_32 + (v.low >>> 0)
  return v.toString()
}

export const protobufCodec: ValueCodec = {
  list: (value) => value as readonly any[],
  string: (value) => value as string,
  count: (value) => value as number,
  // protobufjs gives an absent message field as null.
  object: (value) => (value ?? undefined) as Record<string, any> | undefined,
  time(value) {
    const v = value as LongLike
    const high = v.high >>> 0
    const low = v.low >>> 0
    if (high === 0 && low === 0) return undefined
    const rest = high * REST_PER_HIGH_WORD + low
    return { ms: high * MS_PER_HIGH_WORD + Math.floor(rest / 1e6), subMs: rest % 1e6 }
  },
  id: (value) => {
    const bytes = value as Uint8Array
    return bytes.length === 0 ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  },
  any(value, depth) {
    if (value === null || value === undefined) return null
    const v = value as Record<string, any>
    if (hasOwn(v, 'stringValue')) return v.stringValue
    if (hasOwn(v, 'intValue')) return longValue(v.intValue)
    if (hasOwn(v, 'boolValue')) return v.boolValue
    if (hasOwn(v, 'doubleValue')) return double(v.doubleValue)
    if (hasOwn(v, 'kvlistValue')) return keyValues(v.kvlistValue.values, protobufCodec, depth, 'kvlistValue') ?? {}
    if (hasOwn(v, 'arrayValue')) return (v.arrayValue.values as unknown[]).map((item) => protobufCodec.any(item, depth + 1))
    if (hasOwn(v, 'bytesValue')) {
      const bytes = v.bytesValue as Uint8Array
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
    }
    // Empty, or a string table index (profiles only): no value.
    return null
  },
}

/**
 * AnyValues nested deeper than this in OTLP/JSON make the body a 400, as protobuf's decoder
 * refuses messages nested past 100 levels (protoc's limit; a kvlist level is three messages).
 */
export const MAX_JSON_VALUE_DEPTH = 32

const kind = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value).slice(0, 40)}`)
const wrong = (field: string, value: unknown, wanted: string) => new OtlpShapeError(`${field} must be ${wanted}, but it is ${kind(value)}`)

/** An int64 of OTLP/JSON (a decimal string or an integer), as a number when exact in a double. */
function jsonInt(value: unknown, field: string): number | string {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : BigInt(value).toString()
  }
  throw wrong(field, value, 'an integer (a decimal string or a number)')
}

export const jsonCodec: ValueCodec = {
  list(value, field) {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) throw wrong(field, value, 'an array')
    return value
  },
  string(value, field) {
    if (value === undefined || value === null) return ''
    if (typeof value !== 'string') throw wrong(field, value, 'a string')
    return value
  },
  count(value, field) {
    if (value === undefined || value === null) return 0
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
    throw wrong(field, value, 'a whole number (enums are numbers in OTLP/JSON)')
  },
  object: (value, field) => (value === undefined || value === null ? undefined : objectOf(value, field)),
  time(value, field) {
    if (value === undefined || value === null || value === 0 || value === '0') return undefined
    if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
      if (value.length <= 15) {
        const n = Number(value)
        return n === 0 ? undefined : { ms: Math.floor(n / 1e6), subMs: n % 1e6 }
      }
      return { ms: Number(value.slice(0, -6)), subMs: Number(value.slice(-6)) }
    }
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return { ms: Math.floor(value / 1e6), subMs: value % 1e6 }
    throw wrong(field, value, 'nanoseconds since the epoch (a decimal string)')
  },
  id(value, field) {
    if (value === undefined || value === null || value === '') return ''
    if (typeof value !== 'string' || !HEX.test(value)) throw wrong(field, value, 'hex digits (OTLP/JSON writes ids in hex, not base64)')
    return value.toLowerCase()
  },
  any(value, depth) {
    if (value === undefined || value === null) return null
    if (typeof value !== 'object' || Array.isArray(value)) throw wrong('a value', value, 'an AnyValue object')
    if (depth > MAX_JSON_VALUE_DEPTH) throw new OtlpShapeError(`values are nested more than ${MAX_JSON_VALUE_DEPTH} deep`)
    const v = value as Record<string, unknown>
    if (v.stringValue !== undefined) return jsonCodec.string(v.stringValue, 'stringValue')
    if (v.intValue !== undefined) return jsonInt(v.intValue, 'intValue')
    if (v.boolValue !== undefined) {
      if (typeof v.boolValue !== 'boolean') throw wrong('boolValue', v.boolValue, 'true or false')
      return v.boolValue
    }
    if (v.doubleValue !== undefined) {
      const d = v.doubleValue
      if (typeof d === 'number') return d
      if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return d
      throw wrong('doubleValue', d, 'a number')
    }
    if (v.kvlistValue !== undefined) return keyValues(jsonCodec.list(objectOf(v.kvlistValue, 'kvlistValue').values, 'kvlistValue.values'), jsonCodec, depth, 'kvlistValue') ?? {}
    if (v.arrayValue !== undefined) return jsonCodec.list(objectOf(v.arrayValue, 'arrayValue').values, 'arrayValue.values').map((item) => jsonCodec.any(item, depth + 1))
    if (v.bytesValue !== undefined) return jsonCodec.string(v.bytesValue, 'bytesValue')
    return null
  },
}

function objectOf(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw wrong(field, value, 'an object')
  return value as Record<string, unknown>
}
