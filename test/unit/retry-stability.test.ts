// What keeps a retry of a keyed request from losing or doubling events when it judges an event
// otherwise (the time window moved): chunks named by the events they hold, and a flag for the batcher.
import { describe, expect, test } from 'bun:test'
import { nearWindowEdge } from '../../src/ingest/event/time-window'
import { RowEncoder } from '../../src/ingest/rows/row-encoder'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 5, 15, 12)
const body = new TextEncoder().encode('[{"a":0},{"a":1},{"a":2}]')
const context = { dataset: 'logs', idBase: 'abc', service: '', namespace: '' }

function msgIds(indexes: number[], checkLanded = false) {
  const encoder = new RowEncoder({ ...context, checkLanded }, body, 1024 * 1024)
  for (const i of indexes) encoder.add(i, 1 + 8 * i, 8 + 8 * i, NOW)
  return encoder.finish().map((c) => [c.msgId, c.checkLanded ?? false])
}

describe('chunk message ids name the events they hold', () => {
  test('a chunk of every event in its range keeps the plain range id', () => {
    expect(msgIds([0, 1, 2])).toEqual([['abc:0-2', false]])
  })

  test('a chunk missing an event of its range has another id than the full one, and than other subsets', () => {
    const full = msgIds([0, 1, 2])[0]![0]
    const withoutMiddle = msgIds([0, 2])[0]![0]
    expect(withoutMiddle).not.toBe(full)
    expect(withoutMiddle).toStartWith('abc:0-2/')
    expect(msgIds([0, 2])[0]![0]).toBe(withoutMiddle)
  })

  test('the request flag reaches every chunk', () => {
    expect(msgIds([0, 1, 2], true)).toEqual([['abc:0-2', true]])
  })
})

describe('near an edge of the time window', () => {
  const limits = { maxPastDays: 30, maxFutureDays: 1, retryMarginMs: 11 * 60_000 }
  test('within the retry margin of either edge, on either side', () => {
    for (const t of [NOW + DAY, NOW + DAY + 60_000, NOW + DAY - 60_000, NOW - 30 * DAY + 5_000, NOW - 30 * DAY - 5_000]) expect(nearWindowEdge(t, NOW, limits)).toBe(true)
  })
  test('not in the middle of the window, nor far outside it, nor without a margin', () => {
    for (const t of [NOW, NOW - DAY, NOW + 2 * DAY, NOW - 31 * DAY]) expect(nearWindowEdge(t, NOW, limits)).toBe(false)
    expect(nearWindowEdge(NOW + DAY, NOW, { maxPastDays: 30, maxFutureDays: 1 })).toBe(false)
  })
  test('the TTL is the past edge when it is the narrower', () => {
    expect(nearWindowEdge(NOW - 7 * DAY, NOW, { ...limits, ttlDays: 7 })).toBe(true)
  })
})
