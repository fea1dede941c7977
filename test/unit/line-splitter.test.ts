// The NDJSON splitter: lines as elements, with their indexes, fed in any chunking.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { EventReader } from '../../src/ingest/fast-path/event-fields'
import type { ElementKind } from '../../src/ingest/framing/array-splitter'
import { ArrayBodyError } from '../../src/ingest/framing/array-splitter'
import { LineSplitter } from '../../src/ingest/framing/line-splitter'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface Line {
  text: string
  kind: ElementKind
  index: number
}

/** Splits `body` pushed in pieces of the given sizes, with or without the fast reader. */
function split(body: string, sizes: number[] = [], fast = true): Line[] {
  const bytes = encoder.encode(body)
  const lines: Line[] = []
  const reader = new EventReader(Date.now())
  const splitter = new LineSplitter((start, end, kind, index) => lines.push({ text: decoder.decode(bytes.subarray(start, end)), kind, index }), fast ? (b, s) => reader.read(b, s) : undefined)
  let at = 0
  for (const size of sizes) {
    at = Math.min(bytes.length, at + size)
    splitter.push(bytes, at)
  }
  splitter.push(bytes, bytes.length)
  splitter.finish()
  return lines
}

describe('line splitter', () => {
  test('one event per line, blank lines kept as empty ones so indexes are line numbers', () => {
    expect(split('{"a":1}\n\n  {"b":2}  \r\nnope\n{"c":\n3}\n')).toEqual([
      { text: '{"a":1}', kind: 'valid', index: 0 },
      { text: '', kind: 'empty', index: 1 },
      { text: '{"b":2}', kind: 'valid', index: 2 },
      { text: 'nope', kind: 'other', index: 3 },
      { text: '{"c":', kind: 'object', index: 4 },
      { text: '3}', kind: 'other', index: 5 },
    ])
  })

  test('the last line needs no newline, and a trailing newline starts no line', () => {
    expect(split('{"a":1}').map((l) => l.text)).toEqual(['{"a":1}'])
    expect(split('{"a":1}\n').map((l) => l.text)).toEqual(['{"a":1}'])
    expect(split('\ufeff{"a":1}\r\n{"b":2}').map((l) => l.text)).toEqual(['{"a":1}', '{"b":2}'])
  })

  test('a body without events is refused', () => {
    for (const body of ['', '\n', '  \n\r\n\t']) expect(() => split(body)).toThrow(ArrayBodyError)
  })

  test('gives the same lines however the body is cut, with or without the fast reader', () => {
    const line = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string(), fc.constant(''), fc.constant('{"a":[1,\n2]}'))
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }), (lines, sizes) => {
        const body = lines.join('\n')
        if (!/\S/.test(body)) return
        const whole = split(body, [], false).map(({ text, index }) => ({ text, index }))
        expect(split(body, sizes).map(({ text, index }) => ({ text, index }))).toEqual(whole)
        expect(split(body, sizes, false).map(({ text, index }) => ({ text, index }))).toEqual(whole)
      }),
      { numRuns: 2000 },
    )
  })
})
