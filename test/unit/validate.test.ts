import { describe, expect, test } from 'bun:test'
import { checkEvent } from '../../src/ingest/exact-path/validate'

describe('event validation', () => {
  test('accepts any object whose well-known fields have sensible types', () => {
    expect(checkEvent({})).toBeUndefined()
    expect(checkEvent({ message: 'x', level: 'info', requestId: 'r', traceId: 't', service: 's', namespace: 'n', duration: 1.5, anything: { else: [1, null] } })).toBeUndefined()
  })

  test.each(['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123456+02:00', '2024-05-01 12:00:00', '2024-05-01', '2024-05-01T12:00'])(
    'accepts the ISO 8601 timestamp %s',
    (timestamp) => expect(checkEvent({ timestamp })).toBeUndefined(),
  )

  // Every form the schema reads, each with a day, month or time that does not exist: none may be
  // rolled into the next month, day or hour.
  const FORMS = ['{d}', '{d}T12:00', '{d} 10:00:00', '{d}T12:00:00+00:00', '{d}T12:00:00.123456-0200', '{d} 10:00:00Z', '{d}t10:00:00.5z', '{d}T00:00:00.000Z']
  test.each(['2026-11-31', '2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-32'])('refuses the impossible day %s in every form', (day) => {
    for (const timestamp of FORMS.map((f) => f.replace('{d}', day))) {
      expect({ timestamp, problem: checkEvent({ timestamp }) }).toEqual({ timestamp, problem: { field: 'timestamp', error: expect.stringContaining('naming no real moment') } })
    }
  })

  test.each(['2026-01-01T24:00:00+00:00', '2026-01-01 24:00', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00+01:00', '2026-01-01 23:59:60', '2026-01-01T12:00:00+24:00', '2026-01-01T12:00:00+05:60', '2026-01-01T12:00:00-2400'])(
    'refuses the impossible time %s',
    (timestamp) => expect(checkEvent({ timestamp })?.field).toBe('timestamp'),
  )

  test.each(['2024-02-29', '2000-02-29 12:00', '2026-12-31T23:59:59.999999999+23:59', '2026-11-30T00:00:00-00:00'])('accepts the real day %s', (timestamp) => {
    expect(checkEvent({ timestamp })).toBeUndefined()
  })

  test('accepts epoch milliseconds as timestamp', () => {
    expect(checkEvent({ timestamp: 1714564800000 })).toBeUndefined()
    expect(checkEvent({ timestamp: 0 })).toBeUndefined()
  })

  test.each([['yesterday'], ['2024-05-01T12:00:00+02'], [1.5], [-1], [true], [null], [{}]])('refuses the timestamp %p with a sentence naming the field', (timestamp) => {
    const problem = checkEvent({ timestamp })
    expect(problem?.field).toBe('timestamp')
    expect(problem?.error).toContain('Field "timestamp" must be an ISO 8601 date-time string')
  })

  test('says which field has the wrong type and what it got', () => {
    expect(checkEvent({ duration: '127ms' })).toEqual({ field: 'duration', error: 'Field "duration" must be a number, but it is the string "127ms".' })
    expect(checkEvent({ message: 42 })?.error).toBe('Field "message" must be a string, but it is the number 42.')
    expect(checkEvent({ requestId: null })?.error).toBe('Field "requestId" must be a string, but it is null.')
  })

  test.each([[[1, 2], 'an array'], ['text', 'the string "text"'], [7, 'the number 7'], [null, 'null'], [false, 'false']])('refuses a non-object event %p', (value, described) => {
    expect(checkEvent(value)?.error).toBe(`The event must be a JSON object, but it is ${described}.`)
  })
})
