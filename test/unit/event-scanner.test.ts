// The single pass (event-scanner.ts + event-fields.ts) held to the exact path: JSON.parse of the
// element and checkEvent (validate.ts). The fast reader may leave any event to the exact path, but
// whatever it calls valid must be valid there too, with the same time, service and namespace.
import { describe, expect, test } from 'bun:test'
import { isUtf8 } from 'node:buffer'
import fc from 'fast-check'
import { makeLogEvent } from '../../bench/fixtures'
import { eventTimeMs } from '../../src/ingest/event/event-schema'
import { checkEvent, type EventLimits } from '../../src/ingest/exact-path/validate'
import { EventReader, LiteralStrings, WATCHED_FIELDS } from '../../src/ingest/fast-path/event-fields'
import { ElementRun, VALID } from '../../src/ingest/framing/element-run'
import { elementPool } from '../support/fuzz-requests'
import { ODD_STORED_EVENTS, POISON_EVENTS } from '../support/odd-events'

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const NOW = Date.UTC(2026, 5, 15, 12)
const LIMITS: EventLimits = { maxPastDays: 30, maxFutureDays: 1 }

/** 'none': no event time window. */
type Limits = EventLimits | 'none'

interface Verdict {
  valid: boolean
  timeMs?: number
  service?: string
  namespace?: string
}

/** The fast reader's verdict on the element `bytes` (the whole array), read as ingest does. */
function fast(bytes: Uint8Array, limits: Limits = LIMITS, receivedMs = NOW): Verdict {
  const reader = new EventReader(receivedMs, limits === 'none' ? undefined : limits)
  if (bytes[0] !== 0x7b || reader.read(bytes, 0) !== bytes.length || !isUtf8(bytes)) return { valid: false }
  const run = new ElementRun()
  run.pushValid(0, bytes.length, reader)
  const text = Buffer.from(bytes)
  return { valid: true, timeMs: run.times[0], service: new LiteralStrings(text, run.services).at(0), namespace: new LiteralStrings(text, run.namespaces).at(0) }
}

/** The exact path's verdict on the same bytes. */
function exact(bytes: Uint8Array, limits: Limits = LIMITS, receivedMs = NOW): Verdict {
  let value: unknown
  try {
    value = JSON.parse(strictDecoder.decode(bytes))
  } catch {
    return { valid: false }
  }
  if (checkEvent(value, { bytes, start: 0, end: bytes.length, receivedMs, limits: limits === 'none' ? undefined : limits }) !== undefined) return { valid: false }
  const e = value as Record<string, unknown>
  return { valid: true, timeMs: eventTimeMs(e.timestamp, receivedMs), service: e.service as string | undefined, namespace: e.namespace as string | undefined }
}

/** The fast reader never calls valid what the exact path refuses, and then agrees on what it found. */
function agrees(bytes: Uint8Array, limits: Limits = LIMITS, receivedMs = NOW): Verdict {
  const f = fast(bytes, limits, receivedMs)
  if (f.valid) expect(exact(bytes, limits, receivedMs)).toEqual(f)
  return f
}

const bytesOf = (text: string) => encoder.encode(text)

describe('the fast reader', () => {
  test('reads every fixture event as valid, with the exact path\'s time and service', () => {
    for (let i = 0; i < 3000; i++) {
      const bytes = bytesOf(JSON.stringify(makeLogEvent(i)))
      expect(agrees(bytes, LIMITS, Date.now()).valid).toBe(true)
    }
  })

  test('reads ordinary events of every shape as valid', () => {
    for (const text of [
      '{}',
      '{"a":1}',
      ' {"a" : [1, 2.5e-3, -0, true, false, null, {"b": "c"}], "d": {}}',
      '{"timestamp":"2026-06-15T11:00:00.000Z","level":"info","message":"hi \\"there\\" \\u00e9","duration":1.5}',
      '{"timestamp":"2026-06-15T11:00:00Z"}',
      '{"timestamp":1781521200000}',
      '{"timestamp":"2026-06-15 11:00:00"}',
      '{"service":"s\\u0041","namespace":"n"}',
      '{"message":"😀 東京","x":"\\ud83d\\ude00"}',
    ]) {
      expect({ text, valid: agrees(bytesOf(text.trim())).valid }).toEqual({ text, valid: true })
    }
  })

  test('leaves every poison event to the exact path', () => {
    for (const { text } of POISON_EVENTS) expect(fast(bytesOf(text)).valid).toBe(false)
  })

  test('agrees with the exact path on every odd but storable event', () => {
    for (const text of ODD_STORED_EVENTS) agrees(bytesOf(text.trim()))
  })

  test('refuses what is not JSON', () => {
    for (const text of ['{', '{"a"}', '{"a":}', '{"a":1,}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":-}', '{"a":tru}', '{"a":nul}', '{"a":"\t"}', '{"a":"\\x"}', '{"a":"\\u12"}', '{a:1}', "{'a':1}", '{"a":1}}', '{"a":[1,]}', '{"a":[1 2]}', '{"a":NaN}', '{"a":Infinity}', '{"a":+1}']) {
      expect({ text, valid: fast(bytesOf(text)).valid }).toEqual({ text, valid: false })
    }
  })

  test('refuses the schema\'s bad values and times outside the window', () => {
    for (const text of ['{"message":1}', '{"level":null}', '{"duration":"1"}', '{"timestamp":""}', '{"timestamp":"2026-02-30T00:00:00Z"}', '{"timestamp":-1}', '{"timestamp":1.5}', '{"timestamp":"2020-01-01T00:00:00Z"}', '{"timestamp":"2027-01-01T00:00:00Z"}', '{"service":{}}', '{"traceId":[1]}']) {
      expect({ text, valid: fast(bytesOf(text)).valid }).toEqual({ text, valid: false })
    }
  })

  test('a repeated well-known field is never valid, whichever of its values the schema would take', () => {
    for (const text of ['{"message":1,"message":"x"}', '{"message":"x","message":1}', '{"service":"first","service":"second"}', '{"namespace":"a","x":1,"namespace":"a"}', '{"timestamp":"2026-06-15T11:00:00Z","timestamp":1781521200000}', '{"level":"info","level":"info"}']) {
      expect({ text, fast: fast(bytesOf(text)).valid, exact: exact(bytesOf(text)).valid }).toEqual({ text, fast: false, exact: false })
    }
    // Repeats of other keys, and of well-known names below the top level, are stored as sent.
    expect(agrees(bytesOf('{"a":1,"a":2,"service":"s"}')).service).toBe('s')
    expect(agrees(bytesOf('{"x":{"service":1,"service":2}}')).valid).toBe(true)
  })

  test('agrees with the exact path on objects whose keys repeat', () => {
    const key = fc.oneof(fc.constantFrom(...WATCHED_FIELDS, 'a', 'dur\\u0061tion', 'servic\\u0065'), fc.string({ maxLength: 3 }).map((s) => JSON.stringify(s).slice(1, -1)))
    const value = fc.oneof(fc.string().map((s) => JSON.stringify(s)), fc.integer({ min: 0, max: NOW }).map(String), fc.jsonValue().map((v) => JSON.stringify(v)))
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 6 }), (entries) => {
        agrees(bytesOf(`{${entries.map(([k, v]) => `"${k}":${v}`).join(',')}}`))
      }),
      { numRuns: 3000 },
    )
  })

  test('refuses impossible days and times in every timestamp form', () => {
    for (const timestamp of ['2026-06-31', '2026-06-31 10:00:00', '2026-06-31T12:00:00+00:00', '2026-06-31T12:00', '2026-02-29T00:00:00.000Z', '2026-06-15T24:00:00+00:00', '2026-06-15 23:59:60']) {
      const text = JSON.stringify({ timestamp })
      expect({ text, fast: fast(bytesOf(text), 'none').valid, exact: exact(bytesOf(text), 'none').valid }).toEqual({ text, fast: false, exact: false })
    }
  })

  test('agrees with the exact path on arbitrary JSON objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom('timestamp', 'message', 'level', 'service', 'namespace', 'duration', 'requestId'), fc.string()), fc.jsonValue()), (value) => {
        agrees(bytesOf(JSON.stringify(value)))
      }),
      { numRuns: 3000 },
    )
  })

  test('agrees with the exact path on well-typed events with odd values and spacing', () => {
    const timestamp = fc.oneof(
      fc.date({ min: new Date(NOW - 40 * 86_400_000), max: new Date(NOW + 3 * 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ min: new Date(NOW - 40 * 86_400_000), max: new Date(NOW + 3 * 86_400_000), noInvalidDate: true }).map((d) => d.getTime()),
      fc.string(),
      fc.integer(),
    )
    const event = fc.record(
      { timestamp, message: fc.string(), level: fc.string(), service: fc.string({ unit: "binary" }), namespace: fc.string(), duration: fc.double(), extra: fc.jsonValue() },
      { requiredKeys: [] },
    )
    let valid = 0
    let fastValid = 0
    fc.assert(
      fc.property(event, fc.integer({ min: 0, max: 3 }), (value, spacing) => {
        const bytes = bytesOf(JSON.stringify(value, null, spacing))
        if (agrees(bytes).valid) fastValid++
        if (exact(bytes).valid) valid++
      }),
      { numRuns: 3000 },
    )
    // Not vacuous: the fast reader takes most valid ones itself (fast-check's doubles spread evenly
    // over every exponent, so about one number in thirty is near 1e300 and goes to the exact rule).
    expect(fastValid).toBeGreaterThan(0.7 * valid)
    expect(valid).toBeGreaterThan(100)
  })

  test("agrees with the exact path on the fuzz test's odd events, and reads most valid ones itself", () => {
    const receivedMs = Date.now()
    let valid = 0
    let fastValid = 0
    for (const { text } of elementPool(receivedMs, 20_000, 20261126)) {
      const bytes = bytesOf(text.trim())
      if (agrees(bytes, LIMITS, receivedMs).valid) fastValid++
      if (exact(bytes, LIMITS, receivedMs).valid) valid++
    }
    expect(valid).toBeGreaterThan(2000)
    expect(fastValid).toBeGreaterThan(0.5 * valid)
  })

  test('never calls valid what a mutation broke', () => {
    const alphabet = [0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x0a, 0x00, 0x1f, 0x75, 0x64, 0x38, 0x30, 0x65, 0x2d, 0x2e, 0xff, 0xc3, 0xed, 0xa0, 0x20]
    const base = Array.from({ length: 50 }, (_, i) => bytesOf(JSON.stringify(makeLogEvent(i))))
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...alphabet), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          let bytes = Array.from(base[which]!)
          for (const [at, byte, how] of edits) {
            const p = at % bytes.length
            if (how === 'set') bytes[p] = byte
            else if (how === 'insert') bytes.splice(p, 0, byte)
            else bytes.splice(p, 1)
          }
          agrees(Uint8Array.from(bytes))
        },
      ),
      { numRuns: 20_000 },
    )
  })

  test('without limits, old and future times are read as the exact path reads them', () => {
    for (const text of ['{"timestamp":"1969-12-31T23:59:59.999Z"}', '{"timestamp":"0100-01-01T00:00:00Z"}', '{"timestamp":"9999-12-31T23:59:59.999Z"}', '{"timestamp":253402300799999}']) {
      expect(agrees(bytesOf(text), 'none').valid).toBe(true)
    }
  })
})

describe('the element run', () => {
  test('keeps the results of valid events as it grows, and reports its memory first', () => {
    const grown: number[] = []
    const run = new ElementRun((bytes) => grown.push(bytes))
    const reader = new EventReader(NOW, LIMITS)
    const bytes = bytesOf('{"service":"s","timestamp":"2026-06-15T11:00:00.000Z"}')
    for (let i = 0; i < 5000; i++) {
      if (i % 2 === 0) run.push(i, i + 1)
      else {
        expect(reader.read(bytes, 0)).toBe(bytes.length)
        run.pushValid(i, i + 1, reader)
      }
    }
    expect(run.count).toBe(5000)
    expect(run.state[4999]).toBe(VALID)
    expect(run.state[4998]).toBe(0)
    expect(run.times[4999]).toBe(Date.UTC(2026, 5, 15, 11))
    expect(run.services![2 * 4999]).toBe(1 + '{"service":'.length - 1)
    expect(run.services![2 * 4998]).toBe(-1)
    expect(grown.length).toBeGreaterThan(3)
  })
})
