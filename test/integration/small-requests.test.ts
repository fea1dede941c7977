// Many small requests at once: chunks of requests without an Idempotency-Key share JetStream
// messages, and every guarantee holds as it does for one request alone: each 202'd event lands
// once, and a keyed request (never shared) retried amid other traffic lands once.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect as connectSocket, type Socket } from 'node:net'
import { connect, type NatsConnection } from 'nats'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
let nc: NatsConnection
const sockets: Socket[] = []
beforeAll(async () => {
  // The smallest budget allowed, 16 MiB, so that stalled requests holding more than they announced would fill it.
  p = await startTestPipeline({ INGEST_MAX_INFLIGHT_BYTES: String(16 * 1024 * 1024) })
  nc = await connect({ servers: p.nats.url })
})
afterAll(async () => {
  for (const s of sockets) s.destroy()
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

/** A POST announcing `length` bytes (a small body, read whole) that sends `sent` of them and stalls. */
function stalledSmallRequest(port: number, length: number, sent: string): Promise<void> {
  const head = `POST /v1/small_stall HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${PIPELINE_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`
  return new Promise((resolve, reject) => {
    const s = connectSocket(port, '127.0.0.1', () => {
      s.write(head + sent)
      resolve()
    })
    s.on('error', reject)
    sockets.push(s)
  })
}

/** Bytes of requests in flight held against the node's budget (its /metrics gauge). */
async function inflightBytes(): Promise<number> {
  const text = await fetch(`${p.sluice.url}/metrics`).then((r) => r.text())
  return Number(/^sluice_ingest_inflight_bytes (\d+)/m.exec(text)![1])
}

test('small bodies that stall (read whole) hold only their announced bytes, and honest clients get through', async () => {
  const port = Number(new URL(p.sluice.url).port)
  const idle = await inflightBytes()
  // 500 x 16 KiB announced, each with a few bytes sent, against a budget of 16 MiB.
  for (let i = 0; i < 500; i++) await stalledSmallRequest(port, 16 * 1024, '[{"a":')
  await Bun.sleep(500)
  const held = (await inflightBytes()) - idle
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => p.send('small_stall', tenEvents(`honest-${i}`))))
  console.log(`500 stalled 16 KiB bodies hold ${held} bytes (${Math.round(held / 500)} each); honest 10-event requests answered ${[...new Set(answers.map((a) => a.status))].join(', ')}`)
  // Each holds its announced body and the first arrays of what the single pass keeps per element (under 8 KiB), no more.
  expect(held).toBeLessThanOrEqual(500 * (16 + 8) * 1024)
  expect(answers.every((a) => a.status === 202)).toBe(true)
  expect(await counts('small_stall', 200)).toEqual({ rows: 200, ids: 200 })
}, 60_000)
