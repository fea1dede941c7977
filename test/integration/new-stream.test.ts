// Sequences start again at 1 on a new stream while the tables remember the dedup tokens of their
// last 1,000 inserts (DEDUP_WINDOW_BLOCKS): a new batch must not carry the token of an old one, or
// ClickHouse drops it as a repeat (answered 202, acknowledged, never stored). A new stream meets old
// tables when an operator moves from the local nats-server to a NATS cluster and keeps ClickHouse,
// wipes DATA_DIR/nats, renames NATS_STREAM, or runs two deployments into one database.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config'
import { quietLogger } from '../../src/log'
import { startSluice, type RunningSluice } from '../../src/sluice'
import { testClickHouse, type TestClickHouse } from '../support/clickhouse'
import { startTestNats, streamDrained, type TestNats } from '../support/nats'
import { until } from '../support/wait'

const KEY = 'new-stream-key'
const STREAM = loadConfig({}).nats.stream
let ch: TestClickHouse
const servers: TestNats[] = []
beforeAll(() => {
  ch = testClickHouse()
})
afterAll(async () => {
  for (const s of servers) await s.stop()
})

async function start(nats: TestNats): Promise<RunningSluice> {
  const base = loadConfig({ NATS_URL: nats.url, PORT: '0', API_KEYS: KEY, DATA_DIR: mkdtempSync(join(tmpdir(), 'sluice-newstream-')), BATCH_FLUSH_INTERVAL_MS: '100' })
  return startSluice({ ...base, clickhouse: { ...ch.config } }, { store: ch.store, logger: quietLogger })
}

const count = async () =>
  Number(((await (await ch.client.query({ query: `SELECT count() AS n FROM ${ch.database}.logs`, format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n)

/**
 * Sends `n` one-event requests, each waited until the batcher wrote and acknowledged it (the stream
 * drained), so each is a batch of its own.
 */
async function sendEach(s: RunningSluice, tag: string, n: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${s.url}/v1/logs`, { method: 'POST', body: JSON.stringify([{ message: `${tag} ${i}` }]), headers: { 'x-api-key': KEY } })
    await r.arrayBuffer()
    statuses.push(r.status)
    await until(() => streamDrained(s.nats, STREAM), 10_000, `${tag} ${i} to be written`)
  }
  return statuses
}

test('events sent through a new stream into existing tables all land', async () => {
  servers.push(await startTestNats())
  const first = await start(servers[0]!)
  const a = await sendEach(first, 'first deployment', 3)
  await first.stop()
  expect(await count()).toBe(3)

  // The same ClickHouse, a new stream: the local nats-server replaced by a cluster, or a wiped store.
  servers.push(await startTestNats())
  const second = await start(servers[1]!)
  const b = await sendEach(second, 'after the move', 3)
  await second.stop()
  const rows = await count()
  console.log(`before the move: ${a.join(',')}; after it: ${b.join(',')}; rows stored: ${rows} of 6`)
  expect(rows).toBe(6)
}, 40_000)
