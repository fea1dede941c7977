import { describe, expect, test } from 'bun:test'
import { checkEvent } from '../../src/ingest/validate'

describe('event validation', () => {
  test('accepts any object whose well-known fields have sensible types', () => {
    expect(checkEvent({})).toBeUndefined()
    expect(checkEvent({ message: 'x', level: 'info', requestId: 'r', traceId: 't', service: 's', namespace: 'n', duration: 1.5, anything: { else: [1, null] } })).toBeUndefined()
  })

  test.each(['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123456+02:00', '2024-05-01 12:00:00', '2024-05-01', '2024-05-01T12:00'])(
    'accepts the ISO 8601 timestamp %s',
    (timestamp) => expect(checkEvent({ timestamp })).toBeUndefined(),
  )

  test('accepts epoch milliseconds as timestamp', () => {
    expect(checkEvent({ timestamp: 1714564800000 })).toBeUndefined()
    expect(checkEvent({ timestamp: 0 })).toBeUndefined()
  })

  test.each([['yesterday'], ['2024-13-45T00:00:00Z'], [1.5], [-1], [true], [null], [{}]])('refuses the timestamp %p with a sentence naming the field', (timestamp) => {
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
