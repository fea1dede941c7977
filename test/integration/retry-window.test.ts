// A retry with the same Idempotency-Key and body is judged against its own time received, so an
// event near an edge of the time window may be refused by one attempt and accepted by the other.
// Whatever each attempt answered, every event answered 202 is stored, and none twice: chunks name
// the events they hold, and a request with an event near an edge asks the batcher to write only the
// rows not yet landed (Sluice-Check-Landed).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'
import { until } from '../support/wait'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  await p?.stop()
})

const DAY_MS = 86_400_000
/** How long after building a request its event crosses an edge: far longer than a local request takes to arrive. */
const CROSSING_MS = 1000

/**
 * An event time that crosses an edge of the window (EVENT_MAX_FUTURE_DAYS 1, EVENT_MAX_PAST_DAYS 30)
 * CROSSING_MS from now: a request sent at once is judged on one side, a retry after crossed() on the other.
 */
function crossingEdge(edgeMs: number) {
  const at = Date.now() + CROSSING_MS
  return {
    timestamp: new Date(at + edgeMs).toISOString(),
    crossed: () => until(() => Date.now() > at, CROSSING_MS + 1000, 'the event to cross the edge of the window'),
  }
}

async function rows(q: TestPipeline, table: string): Promise<{ id: string; n: number }[]> {
  const db = q.clickhouse.database
  return (await q.query(`SELECT _id AS id, count() AS n FROM ${db}.\`${table}\` GROUP BY _id ORDER BY _id`)).map((r) => ({ id: r.id, n: Number(r.n) }))
}

test('a retried request whose middle event became valid: answered 202, that event is stored', async () => {
  const k = crossingEdge(DAY_MS)
  const body = JSON.stringify([{ message: 'A' }, { message: 'K', timestamp: k.timestamp }, { message: 'B' }])
  const first = await p.send('retry_mid', body, { 'idempotency-key': 'retry-mid' })
  expect(first.status).toBe(400) // K is too far ahead, A and B are stored
  expect(first.body.invalid.map((i: { index: number }) => i.index)).toEqual([1])
  await k.crossed()
  // The client never saw the first answer (a dropped connection) and retries, as the README says.
  const retry = await p.send('retry_mid', body, { 'idempotency-key': 'retry-mid' })
  expect(retry.status).toBe(202) // every event, K included, is now accepted
  await p.drained()
  // A, K and B, each once.
  expect((await rows(p, 'retry_mid')).map((r) => [r.id.slice(-2), r.n])).toEqual([['-0', 1], ['-1', 1], ['-2', 1]])
}, 20_000)

test('a retried request whose event left the window: each event stored once, the retry says what it judged', async () => {
  const k = crossingEdge(-30 * DAY_MS)
  const body = JSON.stringify([{ message: 'A' }, { message: 'K', timestamp: k.timestamp }, { message: 'B' }])
  const first = await p.send('retry_past', body, { 'idempotency-key': 'retry-past' })
  expect(first.status).toBe(202)
  await k.crossed()
  const retry = await p.send('retry_past', body, { 'idempotency-key': 'retry-past' })
  // The retry judges K against its own time: now too old (the README's limits of the promise say so).
  expect(retry.status).toBe(400)
  expect(retry.body.invalid.map((i: { index: number }) => i.index)).toEqual([1])
  await p.drained()
  expect((await rows(p, 'retry_past')).map((r) => [r.id.slice(-2), r.n])).toEqual([['-0', 1], ['-1', 1], ['-2', 1]])
}, 20_000)

// With the refused event first, the retry's chunk holds events the first attempt's chunk did not, so
// JetStream keeps both and only the batcher's check of what landed keeps A and B single. A fresh
// stream would hide a missing check: the batcher checks every message against ClickHouse for one
// duplicate window after it starts (restart-suspects.ts). So this pipeline has the shortest window
// there is (1 s), and the retry is sent once it is over.
test('a retried request whose first event became valid, on a stream past its start: nothing stored twice', async () => {
  const windowMs = 1000
  const q = await startTestPipeline({ NATS_DUPLICATE_WINDOW_MS: String(windowMs) })
  const windowOver = Date.now() + windowMs
  try {
    const k = crossingEdge(DAY_MS)
    const body = JSON.stringify([{ message: 'K', timestamp: k.timestamp }, { message: 'A' }, { message: 'B' }])
    const first = await q.send('retry_first', body, { 'idempotency-key': 'retry-first' })
    expect(first.status).toBe(400)
    await k.crossed()
    await until(() => Date.now() > windowOver, windowMs + 1000, 'the duplicate window after the start to pass')
    const retry = await q.send('retry_first', body, { 'idempotency-key': 'retry-first' })
    expect(retry.status).toBe(202)
    await q.drained()
    expect((await rows(q, 'retry_first')).map((r) => r.n)).toEqual([1, 1, 1])
  } finally {
    await q.stop()
  }
}, 30_000)
