// The rules that keep what ingest accepts and what ClickHouse stores the same, checked through
// checkEvent exactly as the request flow calls it: the parsed element plus its bytes in the body.
// test/integration/poison-events.test.ts proves each rule against the real table.
import { describe, expect, test } from 'bun:test'
import { Event } from '../../src/ingest/event/event-schema'
import { checkEvent, type EventLimits } from '../../src/ingest/exact-path/validate'
import { MAX_EVENT_DEPTH } from '../../src/ingest/limits'

const encoder = new TextEncoder()
const DAY = 86_400_000
const NOW = Date.UTC(2026, 5, 15, 12)

/** checkEvent on `text` as the one element of a body `[text]`. */
function check(text: string, limits?: EventLimits, receivedMs = NOW) {
  const bytes = encoder.encode(`[${text}]`)
  return checkEvent(JSON.parse(text), { bytes, start: 1, end: bytes.length - 1, receivedMs, limits })
}

const nested = (levels: number) => `{"x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`

describe('nesting depth', () => {
  test(`an event nesting ${MAX_EVENT_DEPTH} levels is accepted, one more is refused naming the field`, () => {
    expect(check(nested(MAX_EVENT_DEPTH))).toBeUndefined()
    expect(check(nested(MAX_EVENT_DEPTH + 1))).toEqual({
      field: 'x',
      error: `Field "x" nests objects and arrays more than ${MAX_EVENT_DEPTH} levels deep; an event may nest at most ${MAX_EVENT_DEPTH} levels.`,
    })
    const objects = `{"a":${'{"b":'.repeat(MAX_EVENT_DEPTH)}1${'}'.repeat(MAX_EVENT_DEPTH)}}`
    expect(check(objects)?.field).toBe('a')
  })

  test('the 20 KB event of 10,000 nested arrays that hung ClickHouse is refused without a stack overflow', () => {
    const text = nested(10_000)
    expect(text.length).toBeGreaterThan(20_000)
    expect(check(text)?.error).toContain('more than 64 levels deep')
    // Deeper than any recursion could go: the walk stops at the limit.
    expect(check(nested(200_000))?.field).toBe('x')
  })
})

describe('numbers', () => {
  test.each(['1e400', '-1e400', '1e309', '1.7976931348623158e308', '-1.7976931348623158e308', '1.79769313486231581e308', `1${'0'.repeat(400)}`])(
    '%s, beyond what ClickHouse reads, is refused naming the field',
    (n) => {
      expect(check(`{"ok":1,"big":${n}}`)).toEqual({
        field: 'big',
        error: 'Field "big" holds a number ClickHouse cannot store as sent (beyond ±1e308, more than 309 digits before the point, or an exponent above 308); send such a number as a string.',
      })
      expect(check(`{"a":{"b":[1,${n}]}}`)?.field).toBe('a')
      expect(check(`{"duration":${n}}`)?.field).toBe('duration')
    },
  )

  test.each(['1e308', '-1e308', '1e-400', '-1e-400', '-0', '0.0', '4.9e-324', '123456789012345678901234567890', '-9223372036854775809', '18446744073709551616', '1E+2'])(
    '%s is accepted (ClickHouse stores it)',
    (n) => expect(check(`{"a":${n},"duration":${n}}`)).toBeUndefined(),
  )
})

describe('lone surrogates', () => {
  test.each([
    ['{"a":"\\ud800"}', 'a', 'a string'],
    ['{"a":"x\\udc00y"}', 'a', 'a string'],
    ['{"a":"\\ud800\\ud800"}', 'a', 'a string'],
    ['{"\\ud800":1}', '\ud800', 'a key'],
    ['{"a":{"b":["\\udfff"]}}', 'a', 'a string'],
    ['{"a":{"\\udbff":1}}', 'a', 'a key'],
    ['{"message":"\\ud83d"}', 'message', 'a string'],
  ])('%s is refused', (text, field, where) => {
    const problem = check(text)
    expect(problem?.field).toBe(field)
    expect(problem?.error).toBe(`Field "${field}" has an unpaired surrogate escape (like "\\ud800" without its low half), which is not valid Unicode text; escape whole characters only.`)
    void where
  })

  test.each(['{"a":"\\ud83d\\ude00"}', '{"a":"\\uDBFF\\uDFFF"}', '{"a":"\\\\ud800"}', '{"a":"\\u0000","b\\u0000":1}', '{"a":"😀 é"}'])('%s is accepted', (text) => {
    expect(check(text)).toBeUndefined()
  })
})

describe('repeated keys', () => {
  test('a repeated duration whose last value is wrong is refused for that value', () => {
    expect(check('{"duration":5,"duration":"x"}')?.error).toBe('Field "duration" must be a number, but it is the string "x".')
  })

  test.each(['{"duration":"x","duration":5}', '{"duration":4,"duration":5}', '{"duration":[1],"duration":2}', '{"dur\\u0061tion":"x","duration":5}', '{"duration":"x", "a":{"b":1}, "duration" : 5}'])(
    '%s is refused: ClickHouse reads the first duration, validation the last',
    (text) => {
      expect(check(text)).toEqual({
        field: 'duration',
        error: 'Field "duration" appears more than once in the event; send it once (JSON readers disagree on which of the values counts).',
      })
    },
  )

  // Every field the schema gives meaning to: a repeat decides what ingest judges (and, for service,
  // namespace and timestamp, what `_service`, `_namespace` and `_timestamp` hold) apart from what `data` shows.
  const VALUES: Record<string, [string, string]> = { timestamp: ['"2026-06-15T11:00:00Z"', '1781521200000'], duration: ['4', '5'] }
  test.each(Object.keys(Event.properties))('a repeated %s is refused, however it is spelled or spaced', (name) => {
    const [first, second] = VALUES[name] ?? ['"first"', '"second"']
    const escaped = `\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${name.slice(1)}`
    for (const text of [`{"${name}":${first},"${name}":${second}}`, `{"${escaped}":${first},"${name}":${second}}`, `{"${name}":${first}, "a":{"b":1}, "${name}" : ${second}}`, `{"${name}":${first},"${name}":${first}}`]) {
      expect({ text, problem: check(text) }).toEqual({
        text,
        problem: { field: name, error: `Field "${name}" appears more than once in the event; send it once (JSON readers disagree on which of the values counts).` },
      })
    }
  })

  test.each([
    '{"duration":5,"a":{"duration":"x"}}',
    '{"message":"duration","duration":5,"note":"\\"duration\\""}',
    '{"a":{"duration":1,"duration":2},"duration":3}',
    '{"a":{"service":"x","service":"y"},"service":"z"}',
    '{"a":1,"a":"x"}',
    '{"a":1,"a.b":2}',
    '{"message":"x","message.y":1}',
  ])('%s is accepted: ClickHouse stores it', (text) => {
    expect(check(text)).toBeUndefined()
  })
})

describe('event time window', () => {
  const limits: EventLimits = { maxPastDays: 30, maxFutureDays: 1 }
  const at = (ms: number) => `{"timestamp":${JSON.stringify(new Date(ms).toISOString())}}`

  test('events inside the window are accepted, in both timestamp forms', () => {
    expect(check(at(NOW - 30 * DAY), limits)).toBeUndefined()
    expect(check(at(NOW + DAY), limits)).toBeUndefined()
    expect(check(`{"timestamp":${NOW - 29 * DAY}}`, limits)).toBeUndefined()
    expect(check('{"message":"no timestamp"}', limits)).toBeUndefined()
  })

  test('an event too old names EVENT_MAX_PAST_DAYS', () => {
    expect(check(at(NOW - 30 * DAY - 1), limits)).toEqual({
      field: 'timestamp',
      error: `The timestamp ${new Date(NOW - 30 * DAY - 1).toISOString()} is more than 30 days before the time received; events older than EVENT_MAX_PAST_DAYS (30 days) are refused.`,
    })
    expect(check('{"timestamp":0}', limits)?.field).toBe('timestamp')
    expect(check('{"timestamp":"1969-12-31T00:00:00Z"}', limits)?.field).toBe('timestamp')
  })

  test('an event too far ahead names EVENT_MAX_FUTURE_DAYS', () => {
    expect(check(`{"timestamp":${NOW + DAY + 1}}`, limits)?.error).toBe(
      `The timestamp ${new Date(NOW + DAY + 1).toISOString()} is more than 1 days after the time received; events further ahead than EVENT_MAX_FUTURE_DAYS (1 days) are refused.`,
    )
  })

  test('0 disables a side', () => {
    expect(check('{"timestamp":0}', { maxPastDays: 0, maxFutureDays: 1 })).toBeUndefined()
    expect(check('{"timestamp":"9999-12-31T23:59:59Z"}', { maxPastDays: 30, maxFutureDays: 0 })).toBeUndefined()
  })

  test('a TTL shorter than the window narrows it, and the error names CLICKHOUSE_TTL_DAYS', () => {
    const withTtl = { ...limits, ttlDays: 7 }
    expect(check(at(NOW - 7 * DAY), withTtl)).toBeUndefined()
    expect(check(at(NOW - 8 * DAY), withTtl)?.error).toContain('events older than CLICKHOUSE_TTL_DAYS (7 days, after which the table drops rows) are refused')
    expect(check(at(NOW - 8 * DAY), { maxPastDays: 0, maxFutureDays: 0, ttlDays: 7 })?.field).toBe('timestamp')
    // A TTL longer than the window changes nothing.
    expect(check(at(NOW - 31 * DAY), { ...limits, ttlDays: 90 })?.error).toContain('EVENT_MAX_PAST_DAYS (30 days)')
  })

  test('without limits (or without a source) there is no window', () => {
    expect(check('{"timestamp":0}')).toBeUndefined()
    expect(checkEvent({ timestamp: 0 })).toBeUndefined()
  })
})

describe('line breaks', () => {
  test.each(['{"a":1,\n\n"b":2}', '{\n\n}', '{"a":[1\n\n]}', '{"a":\n\n\n1}'])('%j, an empty line inside the event, is refused', (text) => {
    expect(check(text)).toEqual({ error: 'The event has an empty line inside it (two line breaks in a row), which ClickHouse cannot read inside an event; remove the empty line.' })
  })

  test.each(['{\n"a":1\n}', '{\r\n\r\n"a":1}', '{\n \n"a":1}', '{"a":"\\n\\n"}'])('%j is accepted', (text) => {
    expect(check(text)).toBeUndefined()
  })
})

describe('values hidden behind a repeated key', () => {
  // JSON.parse keeps the last "a"; ClickHouse reads the first. The rules read the bytes, so they see both.
  test.each([
    ['{"a":1e400,"a":1}', 'ClickHouse cannot store'],
    ['{"a":"\\ud800","a":"x"}', 'unpaired surrogate'],
    [`{"a":${'['.repeat(70)}${']'.repeat(70)},"a":1}`, 'levels deep'],
    [`{"a":{"b":${'{"c":'.repeat(70)}1${'}'.repeat(70)},"b":2}}`, 'levels deep'],
    ['{"a":[1],"a":{"b":-1.5e999,"b":0}}', 'ClickHouse cannot store'],
  ])('%s is refused', (text, error) => {
    expect(check(text)?.error).toContain(error)
    expect(check(text)?.field).toBe('a')
  })

  test.each(['1.5e400', '0.00001e400', `${'9'.repeat(360)}e-50`, `-${'1'.repeat(320)}.5`, '0e309', '-0e999', '0.0e400', `1${'0'.repeat(330)}e-100`, `${'1'.repeat(310)}`])('the number %s is read from its literal', (n) => {
    expect(check(`{"n":${n}}`)?.field).toBe('n')
  })

  test.each(['1.5e300', `0.${'0'.repeat(400)}1e400`, '1e-99999', '123e0005', '0e308', '0.0e309', '0.001e310', '12e306', `${'1'.repeat(308)}`, `0.${'1'.repeat(350)}`, '1e-330'])('the number %s is accepted', (n) => {
    expect(check(`{"n":${n}}`)).toBeUndefined()
  })
})

describe('cheap searches stay right across bodies', () => {
  test('a body reusing the memory of an earlier one is searched afresh', () => {
    const bytes = new Uint8Array(64)
    const put = (text: string) => {
      bytes.fill(0x20)
      bytes.set(encoder.encode(text))
      return checkEvent(JSON.parse(text), { bytes, start: 0, end: text.length, receivedMs: NOW })
    }
    expect(put('{"duration":5}')).toBeUndefined()
    expect(put('{"duration":"x","duration":5}')?.field).toBe('duration')
    expect(put('{"a":"\\ud800"}')?.field).toBe('a')
    expect(put('{"a":"ok"}')).toBeUndefined()
  })

  test('events of one body in order: a repeat in one event is not blamed on its neighbours', () => {
    const events = ['{"duration":1}', '{"duration":"x","duration":2}', '{"duration":3,"m":"\\ud83d\\ude00"}', '{"m":"\\ud800"}', '{"duration":4}']
    const body = `[${events.join(',')}]`
    const bytes = encoder.encode(body)
    let at = 1
    const fields = events.map((text) => {
      const start = at
      at += text.length + 1
      return checkEvent(JSON.parse(text), { bytes, start, end: start + text.length, receivedMs: NOW })?.field
    })
    expect(fields).toEqual([undefined, 'duration', undefined, 'm', undefined])
  })
})

describe('bytes that are not what the parsed value says', () => {
  test('an unterminated string or a range cut short ends the scan instead of running past it', () => {
    const bytes = encoder.encode('{"a":"never closed')
    expect(checkEvent({ a: 'x' }, { bytes, start: 0, end: bytes.length, receivedMs: NOW })).toBeUndefined()
    const escape = encoder.encode('{"a":"\\')
    expect(checkEvent({ a: 'x' }, { bytes: escape, start: 0, end: escape.length, receivedMs: NOW })).toBeUndefined()
  })
})
