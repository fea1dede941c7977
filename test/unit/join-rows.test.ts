// One buffer per embedded insert: chunks joined so that rows never merge, and no copy when none is needed.
import { expect, test } from 'bun:test'
import { joinRows } from '../../src/store/embedded-insert'

const enc = new TextEncoder()
const text = (b: Uint8Array) => new TextDecoder().decode(b)

test('a single chunk ending in a newline is passed as it is', () => {
  const chunk = enc.encode('{"a":1}\n{"a":2}\n')
  expect(joinRows([chunk])).toBe(chunk)
})

test('a newline is added after every chunk that lacks one, and only there', () => {
  expect(text(joinRows([enc.encode('{"a":1}'), enc.encode('{"a":2}\n'), enc.encode('{"a":3}')]))).toBe('{"a":1}\n{"a":2}\n{"a":3}\n')
  expect(text(joinRows([enc.encode('{"a":1}')]))).toBe('{"a":1}\n')
})

test('views into larger buffers are copied from their own offsets', () => {
  const whole = enc.encode('xx{"a":1}\nyy')
  expect(text(joinRows([whole.subarray(2, 10), whole.subarray(2, 9)]))).toBe('{"a":1}\n{"a":1}\n')
})
