import { describe, expect, test } from 'bun:test'
import { countRows, isRowEnd, middleRowEnd } from '../../src/sink/row-boundaries'

const enc = new TextEncoder()
const row = (id: number, raw: string) => `{"_timestamp":1,"_service":"","_namespace":"","_id":"r-${id}","_raw":${raw}}\n`
// Pretty-printed events: newlines inside, and "}\n" inside, but never "}\n{".
const pretty = ['{\n  "a": {\n    "b": 1\n  },\n  "c": [\n    {}\n  ]\n}', '{\n"s": "}\\n{ is fine inside a string"\n}', '{"flat":true}']

describe('row boundaries of v1 NDJSON', () => {
  const body = enc.encode(pretty.map((raw, i) => row(i, raw)).join(''))

  test('counts rows, not newlines, when events are pretty-printed', () => {
    expect(countRows(body)).toBe(3)
    expect(countRows(body.subarray(0, body.length - 1))).toBe(3)
    expect(countRows(new Uint8Array(0))).toBe(0)
  })

  test('cuts only between rows, so both halves are whole rows', () => {
    const cut = middleRowEnd(body)
    expect(isRowEnd(body, cut)).toBe(true)
    const text = new TextDecoder().decode(body)
    const left = text.slice(0, cut + 1)
    const right = text.slice(cut + 1)
    expect(left.trimEnd().split(/\n(?={"_timestamp")/).map((l) => JSON.parse(l)._id)).toEqual(['r-0', 'r-1'].slice(0, countRows(enc.encode(left))))
    expect(countRows(enc.encode(left)) + countRows(enc.encode(right))).toBe(3)
    for (const half of [left, right]) for (const line of half.trimEnd().split(/\n(?={"_timestamp")/)) expect(() => JSON.parse(line)).not.toThrow()
  })

  test('a single row, however many lines, cannot be cut', () => {
    expect(middleRowEnd(enc.encode(row(0, pretty[0]!)))).toBe(-1)
  })
})
