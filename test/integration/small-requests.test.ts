// Many small requests at once: chunks of requests without an Idempotency-Key share JetStream
// messages, and every guarantee holds as it does for one request alone: each 202'd event lands
// once, and a keyed request (never shared) retried amid other traffic lands once.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect, type NatsConnection } from 'nats'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
let nc: NatsConnection
beforeAll(async () => {
  p = await startTestPipeline()
  nc = await connect({ servers: p.nats.url })
})
afterAll(async () => {
  await nc?.close()
  await p?.stop()
})

const tenEvents = (tag: string) => JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ tag, i, message: `small request ${tag} event ${i}`, level: 'info' })))

/** Messages ever published to the stream (it is a work queue: the batcher removes what it wrote). */
async function messagesPublished(): Promise<number> {
  return (await (await nc.jetstreamManager()).streams.info(p.config.nats.stream)).state.last_seq
}

async function counts(table: string, expected: number) {
  await p.waitForCount(table, expected, 30_000)
  // Give a wrongly duplicated message time to land too.
  await Bun.sleep(700)
  const [row] = await p.query(`SELECT count() AS rows, uniqExact(_id) AS ids FROM ${p.clickhouse.database}.\`${table}\``)
  return { rows: Number(row!.rows), ids: Number(row!.ids) }
}

test('concurrent requests without an Idempotency-Key share messages, and every 202 lands exactly once', async () => {
  const before = await messagesPublished()
  const statuses: number[] = []
  for (let wave = 0; wave < 5; wave++) {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => p.send('small_shared', tenEvents(`${wave}-${i}`))))
    statuses.push(...answers.map((a) => a.status))
  }
  const published = (await messagesPublished()) - before
  console.log(`300 requests of 10 events, 60 at a time: ${published} JetStream messages`)
  expect(statuses.every((s) => s === 202)).toBe(true)
  expect(published).toBeLessThan(300)
  expect(await counts('small_shared', 3000)).toEqual({ rows: 3000, ids: 3000 })
}, 60_000)

test('a keyed request amid concurrent one-off requests is never shared: its retries land once', async () => {
  const keyed = Array.from({ length: 20 }, (_, i) => ({ body: tenEvents(`keyed-${i}`), headers: { 'idempotency-key': `small-${i}` } }))
  const round = () =>
    Promise.all([
      ...keyed.map((k) => p.send('small_keyed', k.body, k.headers)),
      ...Array.from({ length: 40 }, (_, i) => p.send('small_keyed', tenEvents(`one-off-${i}`))),
    ])
  // The same keyed requests three times, each time amid 40 new one-off requests of the same dataset.
  const answers = [...(await round()), ...(await round()), ...(await round())]
  expect(answers.every((a) => a.status === 202)).toBe(true)
  // 20 keyed requests once (200 rows), 120 one-off requests (1,200 rows).
  expect(await counts('small_keyed', 1400)).toEqual({ rows: 1400, ids: 1400 })
}, 60_000)
