// A retry with the same Idempotency-Key and body is judged against its own time received, so an
// event near an edge of the time window may be refused by one attempt and accepted by the other.
// Every event must still land once: a chunk's message id names the events it holds, so the retry's
// chunk that carries the newly accepted event is not dropped as a repeat of the first attempt's, and
// a request with such an event asks the batcher to write only the rows not yet landed
// (Sluice-Check-Landed), so the events both attempts accepted are not stored twice.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  await p?.stop()
})

const DAY_MS = 86_400_000

/** A timestamp that leaves the future limit (1 day) `afterMs` from now. */
const edgeOfFuture = (afterMs: number) => new Date(Date.now() + DAY_MS + afterMs).toISOString()

async function rows(table: string): Promise<{ id: string; n: number }[]> {
  const db = p.clickhouse.database
  return (await p.query(`SELECT _id AS id, count() AS n FROM ${db}.\`${table}\` GROUP BY _id ORDER BY _id`)).map((r) => ({ id: r.id, n: Number(r.n) }))
}

test('a retried request whose middle event became valid: answered 202, that event is stored', async () => {
  const body = JSON.stringify([{ message: 'A' }, { message: 'K', timestamp: edgeOfFuture(1500) }, { message: 'B' }])
  const first = await p.send('retry_mid', body, { 'idempotency-key': 'retry-mid' })
  expect(first.status).toBe(400) // K is too far ahead, A and B are stored
  expect(first.body.invalid.map((i: { index: number }) => i.index)).toEqual([1])
  await Bun.sleep(2500)
  // The client never saw the first answer (a dropped connection) and retries, as the README says.
  const retry = await p.send('retry_mid', body, { 'idempotency-key': 'retry-mid' })
  expect(retry.status).toBe(202) // every event, K included, is now accepted
  await p.waitForCount('retry_mid', 3, 3000)
  const stored = await rows('retry_mid')
  // A, K and B, each once: K, answered 202 by the retry, is stored.
  expect(stored.map((r) => [r.id.slice(-2), r.n])).toEqual([['-0', 1], ['-1', 1], ['-2', 1]])
}, 20_000)

test('a retried request whose event left the window: each event stored once, the retry says what it judged', async () => {
  const body = JSON.stringify([{ message: 'A' }, { message: 'K', timestamp: new Date(Date.now() - 30 * DAY_MS + 1500).toISOString() }, { message: 'B' }])
  const first = await p.send('retry_past', body, { 'idempotency-key': 'retry-past' })
  expect(first.status).toBe(202)
  await Bun.sleep(2500)
  const retry = await p.send('retry_past', body, { 'idempotency-key': 'retry-past' })
  // The retry judges K against its own time: now too old (the README's limits of the promise say so).
  expect(retry.status).toBe(400)
  expect(retry.body.invalid.map((i: { index: number }) => i.index)).toEqual([1])
  await p.waitForCount('retry_past', 3, 3000)
  await Bun.sleep(1000)
  expect((await rows('retry_past')).map((r) => [r.id.slice(-2), r.n])).toEqual([['-0', 1], ['-1', 1], ['-2', 1]])
}, 20_000)

// The duplicate side: with the refused event first, the two attempts' chunks have different ids
// (`<base>:1-2`, then `<base>:0-2`), so JetStream keeps both, and only the batcher's check of what
// landed keeps the other events from being stored twice under the same _id. A fresh stream would
// hide a failure of that check (the batcher checks every message against ClickHouse for one
// duplicate window after start, restart-suspects.ts), so this pipeline uses a 5 s window and waits
// it out first.
test('a retried request whose first event became valid, on a stream past its start: nothing stored twice', async () => {
  const q = await startTestPipeline({ NATS_DUPLICATE_WINDOW_MS: '5000' })
  try {
    expect((await q.send('warm', '[{"message":"warm"}]')).status).toBe(202)
    await Bun.sleep(6500)
    const body = JSON.stringify([{ message: 'K', timestamp: edgeOfFuture(1500) }, { message: 'A' }, { message: 'B' }])
    const first = await q.send('retry_first', body, { 'idempotency-key': 'retry-first' })
    expect(first.status).toBe(400)
    await Bun.sleep(2500)
    const retry = await q.send('retry_first', body, { 'idempotency-key': 'retry-first' })
    expect(retry.status).toBe(202)
    await q.waitForCount('retry_first', 5, 3000)
    const db = q.clickhouse.database
    const counts = (await q.query(`SELECT _id AS id, count() AS n FROM ${db}.retry_first GROUP BY _id ORDER BY _id`)).map((r) => Number(r.n))
    expect(counts).toEqual([1, 1, 1])
  } finally {
    await q.stop()
  }
}, 30_000)
