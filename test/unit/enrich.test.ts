import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { eventTimeMs, parseIsoTimestamp } from '../../src/ingest/event/event-schema'
import { requestIdBase } from '../../src/ingest/rows/enrich'

const body = new TextEncoder().encode('[{"a":1}]')
const ARRAY = { service: '', namespace: '', format: 'array' } as const

describe('event ids', () => {
  test('the same Idempotency-Key from the same key and dataset with the same body gives the same ids, so a retry lands once', () => {
    expect(requestIdBase('k', 'logs', 'retry-1', body, ARRAY)).toBe(requestIdBase('k', 'logs', 'retry-1', body.slice(), ARRAY))
  })
  test('ids differ across API keys, datasets, idempotency keys, headers, body formats and bodies', () => {
    const other = new TextEncoder().encode('[{"a":2}]')
    const ids = new Set([
      requestIdBase('k', 'logs', 'a', body, ARRAY),
      requestIdBase('k2', 'logs', 'a', body, ARRAY),
      requestIdBase('k', 'traces', 'a', body, ARRAY),
      requestIdBase('k', 'logs', 'b', body, ARRAY),
      requestIdBase('k', 'logs', 'a', other, ARRAY),
      requestIdBase('k', 'logs', 'a', body, { ...ARRAY, service: 'api' }),
      requestIdBase('k', 'logs', 'a', body, { ...ARRAY, namespace: 'api' }),
      requestIdBase('k', 'logs', 'a', body, { ...ARRAY, format: 'lines' }),
    ])
    expect(ids.size).toBe(8)
  })
  test('without an Idempotency-Key two identical requests get different ids, so both land', () => {
    expect(requestIdBase('k', 'logs', undefined, body, ARRAY)).not.toBe(requestIdBase('k', 'logs', undefined, body, ARRAY))
    expect(requestIdBase('k', 'logs', undefined, body, ARRAY)).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('event time', () => {
  test("uses the event's own timestamp when it has one", () => {
    expect(eventTimeMs('2024-05-01T12:00:00.123Z', 5)).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 123))
    expect(eventTimeMs('2024-05-01T14:00:00+02:00', 5)).toBe(Date.UTC(2024, 4, 1, 12))
    expect(eventTimeMs('2024-05-01 12:00:00', 5)).toBe(Date.UTC(2024, 4, 1, 12))
    expect(eventTimeMs(1714564800000, 5)).toBe(1714564800000)
  })
  test('falls back to the time received', () => {
    expect(eventTimeMs(undefined, 42)).toBe(42)
    expect(eventTimeMs('1969-12-31T23:59:59Z', 42)).toBe(42)
  })
})

describe('ISO 8601 timestamps', () => {
  test('the canonical form reads exactly as Date.parse does, for any date (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), fc.boolean(), (date, withMs) => {
        const iso = withMs ? date.toISOString() : date.toISOString().replace(/\.\d{3}Z$/, 'Z')
        expect(parseIsoTimestamp(iso)).toBe(Date.parse(iso))
      }),
      { numRuns: 2000 },
    )
  })

  test.each(['2024-02-30T00:00:00Z', '2023-02-29T00:00:00.000Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', '2024-01-01T00:00:60Z', '2024-01-01T0a:00:00Z', 'not a date', '2024-01-01T00:00:00.000+25:00x'])(
    'refuses %s',
    (value) => expect(parseIsoTimestamp(value)).toBeNaN(),
  )

  test('every other form reads as Date.parse reads it, for any real date and zone (property)', () => {
    const two = (n: number) => String(n).padStart(2, '0')
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        fc.constantFrom('T', 't', ' '),
        fc.constantFrom('', ':ss', ':ss.f'),
        fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.constantFrom('', 'Z', 'z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean()).map(([s, h, m, colon]) => `${s}${two(h)}${colon ? ':' : ''}${two(m)}`)),
        (date, separator, seconds, fractionDigits, zone) => {
          const iso = date.toISOString()
          const fraction = `${iso.slice(20, 23)}${'123456'}`.slice(0, fractionDigits)
          const time = `${iso.slice(11, 16)}${seconds.replace('ss', iso.slice(17, 19)).replace('f', fraction)}`
          const value = `${iso.slice(0, 10)}${separator}${time}${zone}`
          const standard = `${iso.slice(0, 10)}T${time}${zone === '' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.toUpperCase()}`
          expect({ value, ms: parseIsoTimestamp(value) }).toEqual({ value, ms: Date.parse(standard) })
        },
      ),
      { numRuns: 3000 },
    )
  })

  test('accepts a leap day in a leap year', () => {
    expect(parseIsoTimestamp('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12))
  })
})
