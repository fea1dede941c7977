// Guarantees of the incremental JSON array splitter (src/ingest/framing/array-splitter.ts).
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { makeLogEvents, seededRandom } from '../../bench/fixtures'
import { ArrayBodyError, ArraySplitter, splitArray, type ElementRange } from '../../src/ingest/framing/array-splitter'

const enc = new TextEncoder()
const dec = new TextDecoder()
const QUOTE = 0x22

/** Chunk sizes for the k-th append. */
type Chunking = (k: number) => number
const every = (n: number): Chunking => () => n
const randomSizes = (seed: number, max: number): Chunking => {
  const r = seededRandom(seed)
  return () => 1 + Math.floor(r() * max)
}

/**
 * Feeds body the way the HTTP reader does: chunks appended to one growing buffer, which is
 * replaced by a bigger copy when full. Spare capacity is filled with '"' so a splitter that
 * looked past `length` would go wrong. Returns the ranges, or the error thrown.
 */
function feed(body: Uint8Array, chunking: Chunking = every(65536)): { ranges: ElementRange[]; error?: ArrayBodyError } {
  const ranges: ElementRange[] = []
  const splitter = new ArraySplitter((start, end, kind, index) => {
    if (index !== ranges.length) throw new Error(`index ${index} reported as element number ${ranges.length}`)
    ranges.push({ start, end, kind })
  })
  let buffer = new Uint8Array(8).fill(QUOTE)
  let length = 0
  try {
    for (let k = 0; length < body.length; k++) {
      const size = Math.min(chunking(k), body.length - length)
      if (length + size > buffer.length) {
        const bigger = new Uint8Array(Math.max(buffer.length * 2, length + size)).fill(QUOTE)
        bigger.set(buffer.subarray(0, length))
        buffer = bigger
      }
      buffer.set(body.subarray(length, length + size), length)
      length += size
      splitter.push(buffer, length)
    }
    expect(splitter.finish()).toBe(ranges.length)
  } catch (error) {
    if (!(error instanceof ArrayBodyError)) throw error
    return { ranges, error }
  }
  return { ranges }
}

const texts = (body: Uint8Array, ranges: ElementRange[]): string[] => ranges.map(r => dec.decode(body.subarray(r.start, r.end)))

/** The oracle: each range parses to the element JSON.parse finds at its index, with the right kind and no surrounding whitespace. */
function expectMatchesJsonParse(body: Uint8Array, ranges: ElementRange[]): void {
  const expected = JSON.parse(dec.decode(body)) as unknown[]
  expect(ranges.map(r => JSON.parse(dec.decode(body.subarray(r.start, r.end))))).toEqual(expected)
  expect(ranges.map(r => r.kind)).toEqual(expected.map(v => (v !== null && typeof v === 'object' && !Array.isArray(v) ? 'object' : 'other')))
  for (const r of ranges) {
    expect(' \t\r\n'.includes(String.fromCharCode(body[r.start]))).toBe(false)
    expect(' \t\r\n'.includes(String.fromCharCode(body[r.end - 1]))).toBe(false)
  }
}

/** JSON text of v with whitespace from ws() around every token. */
function withWhitespace(v: unknown, ws: () => string): string {
  if (Array.isArray(v)) return `[${ws()}${v.map(x => withWhitespace(x, ws)).join(`${ws()},${ws()}`)}${ws()}]`
  if (v !== null && typeof v === 'object') {
    const fields = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${withWhitespace(x, ws)}`)
    return `{${ws()}${fields.join(`${ws()},${ws()}`)}${ws()}}`
  }
  return JSON.stringify(v)
}

const whitespace = (seed: number): (() => string) => {
  const r = seededRandom(seed)
  const pieces = ['', '', '', ' ', '\n', '\t', '\r\n', '  \n    ']
  return () => pieces[Math.floor(r() * pieces.length)]
}

/** Strings made to trip a careless scanner: structural bytes, escapes, multi-byte UTF-8. */
const nastyString = fc.string({ unit: fc.constantFrom(']', '}', ',', '[', '{', '"', '\\', '\\"', '\n', 'a', 'é', '東', '😀', '\u2028', '\u0000'), maxLength: 30 })
const jsonValue = fc.oneof(
  fc.jsonValue({ stringUnit: 'binary', maxDepth: 6 }),
  fc.jsonValue({ stringUnit: nastyString, maxDepth: 4 }),
  fc.dictionary(nastyString, fc.oneof(nastyString, fc.jsonValue({ stringUnit: nastyString, maxDepth: 3 }))),
)
const chunking = fc.oneof(
  fc.constantFrom(1, 2, 3, 7, 65536).map(every),
  fc.tuple(fc.integer(), fc.integer({ min: 1, max: 64 })).map(([seed, max]) => randomSizes(seed, max)),
)

describe('valid arrays', () => {
  test('each range parses to the element JSON.parse finds at the same index', () => {
    const body = enc.encode('[{"a":1}, "x]", [1,[2,{"b":"}"}]] ,null,true,false,-1.5e3, {} ,[],"" ,\n{"c":{"d":[{}]}}]')
    const { ranges, error } = feed(body)
    expect(error).toBeUndefined()
    expectMatchesJsonParse(body, ranges)
  })

  test('an empty array has no elements', () => {
    for (const s of ['[]', ' [ ] ', '\n[\n]\n']) expect(feed(enc.encode(s))).toEqual({ ranges: [] })
  })

  test('whitespace and a UTF-8 byte-order mark before the array are skipped', () => {
    const body = enc.encode('\uFEFF \r\n\t[ 1 ]\n')
    expect(texts(body, feed(body).ranges)).toEqual(['1'])
    expect(texts(body, feed(body, every(1)).ranges)).toEqual(['1'])
  })

  test('a realistic 1 MB batch of log events gives the same ranges in 1-byte, 2-byte, random and 64 KB chunks', () => {
    const body = makeLogEvents(1024 * 1024)
    const whole = feed(body, every(body.length))
    expectMatchesJsonParse(body, whole.ranges)
    for (const chunks of [every(1), every(2), randomSizes(1, 5000), randomSizes(2, 200_000), every(65536)]) {
      expect(feed(body, chunks)).toEqual(whole)
    }
  })

  test('splitArray gives the same ranges as the incremental splitter', () => {
    const body = makeLogEvents(64 * 1024)
    expect(splitArray(body)).toEqual(feed(body, randomSizes(3, 1000)).ranges)
  })

  test('arbitrary JSON values with random whitespace, chunked randomly, match the oracle', () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { maxLength: 12 }), fc.integer(), chunking, (values, seed, chunks) => {
        const body = enc.encode(withWhitespace(values, whitespace(seed)))
        const { ranges, error } = feed(body, chunks)
        expect(error).toBeUndefined()
        expectMatchesJsonParse(body, ranges)
      }),
      { numRuns: 400 },
    )
  })

  test('strings, escapes and multi-byte characters give the same ranges at every split point', () => {
    const body = enc.encode('[{"é":"café ☕"}, "東京\\"]", "\\\\", "\\\\\\"", "😀}", {"u":"\\u00e9\\ud83d\\ude00"}, "a\\\\\\\\"]')
    const whole = feed(body, every(body.length))
    expectMatchesJsonParse(body, whole.ranges)
    for (let cut = 1; cut < body.length; cut++) {
      expect(feed(body, k => (k === 0 ? cut : body.length))).toEqual(whole)
    }
  })

  test('nesting 100,000 levels deep needs no recursion', () => {
    const depth = 100_000
    const arrays = '['.repeat(depth) + ']'.repeat(depth)
    const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    const body = enc.encode(`[${arrays},${objects},2]`)
    for (const chunks of [every(body.length), every(4096), randomSizes(4, 100)]) {
      expect(texts(body, feed(body, chunks).ranges)).toEqual([arrays, objects, '2'])
    }
  })

  test('never reads past length: bytes of a bigger buffer beyond the data do not count', () => {
    const ranges: ElementRange[] = []
    const splitter = new ArraySplitter((start, end, kind) => { ranges.push({ start, end, kind }) })
    const buffer = enc.encode('["ab", "cd"] "x" ]]]')
    splitter.push(buffer, 4) // `["ab`: the quote at byte 5 is not there yet
    splitter.push(buffer, 12)
    expect(splitter.finish()).toBe(2)
    expect(texts(buffer, ranges)).toEqual(['"ab"', '"cd"'])
  })
})

describe('malformed elements', () => {
  test('a malformed element between valid ones yields its own range and keeps its neighbours', () => {
    const body = enc.encode('[{"a":1}, {"b": }, {"c":3}]')
    expect(texts(body, feed(body).ranges)).toEqual(['{"a":1}', '{"b": }', '{"c":3}'])
  })

  test('a missing element is reported as empty at the offset of the comma or bracket that ends it', () => {
    const body = enc.encode('[1,,2, ,3,]')
    expect(feed(body).ranges).toEqual([
      { start: 1, end: 2, kind: 'other' },
      { start: 3, end: 3, kind: 'empty' },
      { start: 4, end: 5, kind: 'other' },
      { start: 7, end: 7, kind: 'empty' },
      { start: 8, end: 9, kind: 'other' },
      { start: 10, end: 10, kind: 'empty' },
    ])
    expect(feed(enc.encode('[,]')).ranges.map(r => r.kind)).toEqual(['empty', 'empty'])
  })

  test('a closer closes the nearest open bracket of its kind; a stray } is ignored', () => {
    const body = enc.encode('[{"a":[1}, {"b":[{]}, }, {"c":1}}, 4]')
    expect(texts(body, feed(body).ranges)).toEqual(['{"a":[1}', '{"b":[{]}', '}', '{"c":1}}', '4'])
  })

  test('a ] with no [ open in its element closes the array', () => {
    const body = enc.encode('[{"x":1},{"a":1]')
    expect(texts(body, feed(body).ranges)).toEqual(['{"x":1}', '{"a":1'])
  })

  test('an object left open ends at the comma before the next element\'s { or [', () => {
    const body = enc.encode('[{bad, {"c":3}, {"a":{"b":1} ,\n[2], {"d":"x"]')
    expect(texts(body, feed(body).ranges)).toEqual(['{bad', '{"c":3}', '{"a":{"b":1}', '[2]', '{"d":"x"'])
  })

  test('an element is located by bytes alone, whatever its encoding', () => {
    const body = new Uint8Array([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x2c, 0x7b, 0xc3, 0x7d, 0x5d]) // ["\xff\xfe",{\xc3}]
    expect(feed(body, every(1)).ranges).toEqual([
      { start: 1, end: 5, kind: 'other' },
      { start: 6, end: 9, kind: 'object' },
    ])
  })

  // The guarantee, exactly as documented in array-splitter.ts: valid elements keep their exact
  // ranges and indexes among well-delimited garbage. Each garbage piece below is one element.
  const standaloneGarbage = fc.constantFrom(
    '{"a":}', '{"b": }', '{bad}', 'nope', 'tru', '-', 'NaN', '01', "{'a':1}", '{"a" 1}', '{"a":1,}', '{,}',
    '}', '}}', '{"a":1}}', '{"a":[1}', '{"a":[1,2}', '{"a":[}', '{"a":[{"b":}]}', '"abc\\q"', '{"x":"\\u12"}', '"a" "b"',
  )
  // Objects left open (rule 6): recoverable only before an element that starts with { or [, or at the end.
  const openObjectGarbage = fc.constantFrom('{bad', '{"a":1', '{"a":{"b":1}', '{"a":"x"', '{"a":[1]', '{')
  const objectOrArray = fc.oneof(fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 2 })), fc.array(fc.jsonValue({ maxDepth: 2 })))
  type Item = { text: string; valid: boolean }
  const valid = (v: unknown): Item => ({ text: JSON.stringify(v), valid: true })
  const garbage = (text: string): Item => ({ text, valid: false })
  const items = fc.tuple(
    fc.array(fc.oneof(
      jsonValue.map(v => [valid(v)]),
      standaloneGarbage.map(g => [garbage(g)]),
      fc.tuple(openObjectGarbage, objectOrArray).map(([g, v]) => [garbage(g), valid(v)]),
    ), { maxLength: 10 }).map(groups => groups.flat()),
    fc.option(openObjectGarbage),
  ).map(([list, last]) => (last === null ? list : [...list, garbage(last)]))

  test('valid elements keep their exact ranges and indexes among well-delimited garbage', () => {
    fc.assert(
      fc.property(items, fc.integer(), chunking, (list, seed, chunks) => {
        const ws = whitespace(seed)
        const body = enc.encode(`${ws()}[${ws()}${list.map(item => item.text).join(`${ws()},${ws()}`)}${ws()}]${ws()}`)
        const { ranges, error } = feed(body, chunks)
        expect(error).toBeUndefined()
        expect(texts(body, ranges)).toEqual(list.map(item => item.text))
        expect(ranges.map(r => r.kind)).toEqual(list.map(item => (item.text.startsWith('{') ? 'object' : 'other')))
        list.forEach((item, i) => {
          if (item.valid) expect(JSON.parse(texts(body, [ranges[i]])[0])).toEqual(JSON.parse(item.text))
        })
      }),
      { numRuns: 400 },
    )
  })

  test('a bracket soup as big as a body is split in linear time', () => {
    // Stray '}' under a million open '[' and one '}' closing a million '[' at once: with a
    // naive search for the matching opener either would take about 10^12 steps.
    const n = 1_000_000
    const soup = '['.repeat(n) + '}'.repeat(n) + ']'.repeat(n)
    const unclosed = '{' + '['.repeat(n) + '}'
    const body = enc.encode(`[${soup},${unclosed}]`)
    const started = performance.now()
    expect(texts(body, feed(body).ranges)).toEqual([soup, unclosed])
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('bodies that are not one JSON array', () => {
  const problemOf = (s: string | Uint8Array, chunks: Chunking = every(65536)) => {
    const { error } = feed(typeof s === 'string' ? enc.encode(s) : s, chunks)
    return error && { problem: error.problem, offset: error.offset, message: error.message }
  }

  test('an empty or whitespace-only body is refused as empty', () => {
    expect(problemOf('')).toEqual({ problem: 'empty', offset: 0, message: 'The request body is empty; send a JSON array of events.' })
    expect(problemOf(' \n\t ')?.problem).toBe('empty')
    expect(problemOf('\uFEFF')?.problem).toBe('empty')
  })

  test('a body that is not an array is refused as not-array, naming what it starts with', () => {
    expect(problemOf('{}')?.message).toBe('The request body must be a JSON array of events, but it starts with a JSON object; wrap the events in [ ].')
    expect(problemOf('"x"')).toMatchObject({ problem: 'not-array', offset: 0, message: expect.stringContaining('a JSON string') })
    expect(problemOf('  nope')).toMatchObject({ problem: 'not-array', offset: 2, message: expect.stringContaining("'n' at byte 2") })
    expect(problemOf(new Uint8Array([0xef, 0xbb]))?.problem).toBe('not-array') // half a byte-order mark
    expect(problemOf(' \uFEFF[]')?.problem).toBe('not-array') // a byte-order mark only counts at byte 0
  })

  test('a truncated body is refused as truncated, saying where it ends', () => {
    expect(problemOf('[')).toMatchObject({ problem: 'truncated', offset: 1, message: expect.stringContaining("right after the array's opening '['") })
    expect(problemOf('[{"a":1}')).toMatchObject({ problem: 'truncated', offset: 8, message: expect.stringContaining('inside element 0') })
    expect(problemOf('[{"a":1},')).toMatchObject({ problem: 'truncated', message: expect.stringContaining('follows element 0') })
    expect(problemOf('[{"a":1}, {"b":"abc\\"]}')).toMatchObject({ problem: 'truncated', message: expect.stringContaining('inside a string of element 1') })
  })

  test('every proper prefix of a valid array is refused as truncated (or empty)', () => {
    const body = enc.encode(' [{"a":"x,]\\"y"}, [1, {"b":[]}], "é😀", 2 ]')
    for (let cut = 0; cut < body.lastIndexOf(0x5d); cut++) {
      const problem = problemOf(body.subarray(0, cut), every(3))?.problem
      expect(problem).toBe(cut <= 1 ? 'empty' : 'truncated')
    }
  })

  test('anything but whitespace after the closing ] is refused as trailing data, as soon as it arrives', () => {
    expect(problemOf('[1] x')).toMatchObject({ problem: 'trailing-data', offset: 4, message: expect.stringContaining("unexpected 'x' at byte 4") })
    expect(problemOf('[1]\n[2]')?.problem).toBe('trailing-data')
    expect(problemOf('[1]]')?.problem).toBe('trailing-data')
  })

  test('push fails fast and the error sticks to every later call', () => {
    const splitter = new ArraySplitter(() => {})
    const body = enc.encode('{"not":"an array"}')
    expect(() => splitter.push(body, 1)).toThrow(ArrayBodyError)
    expect(() => splitter.push(body, body.length)).toThrow('must be a JSON array')
    expect(() => splitter.finish()).toThrow('must be a JSON array')
  })

  test('the error is a 400 bad-body error for the HTTP edge', () => {
    const { error } = feed(enc.encode('[1'))
    expect(error).toBeInstanceOf(ArrayBodyError)
    expect(error).toMatchObject({ name: 'ArrayBodyError', code: 'BAD_BODY', status: 400, retryable: false })
  })
})
