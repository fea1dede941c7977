// Failure paths against real services: a batcher killed mid-batch, a batcher that wrote but never
// acknowledged, ClickHouse unreachable. The guarantee each time: nothing lost, nothing doubled.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { loadConfig } from '../../src/config'
import { freePort } from '../../src/embedded/nats-server'
import { DEFAULT_CONSUMER_NAME } from '../../src/queue/consumer'
import { processClickHouse } from '../support/clickhouse-mode'
import { connectNats, startTestNats, streamDrained, type TestNats } from '../support/nats'
import { startTestPipeline } from '../support/pipeline'
import { until } from '../support/wait'

let nats: TestNats
/** The test's own connection, to see the stream and the batchers' consumer as JetStream does. */
let nc: NatsConnection
const STREAM = loadConfig({}).nats.stream
/** Every batcher process started here: a failed expectation must not leave one running. */
const spawned: Bun.Subprocess[] = []
beforeAll(async () => {
  nats = await startTestNats()
  nc = await connectNats(nats.url)
})
afterAll(async () => {
  for (const proc of spawned) proc.kill('SIGKILL')
  await nc?.close()
  await nats?.stop()
})

/** The batchers' durable consumer: what it holds unacknowledged, and how much of that came back. */
const consumer = async () => (await nc.jetstreamManager()).consumers.info(STREAM, DEFAULT_CONSUMER_NAME)
const drained = () => streamDrained(nc, STREAM).catch(() => false)

function eventsBody(request: number, count: number): string {
  return JSON.stringify(Array.from({ length: count }, (_, i) => ({ request, i, message: `event ${request}/${i}`, level: 'info', requestId: crypto.randomUUID() })))
}

/** A batcher in its own process (its own embedded ClickHouse, or the run's server), so it can be SIGKILLed. */
async function spawnBatcher(dataDir: string, port: number, env: Record<string, string> = {}, dataset = 'crash') {
  const clickhouse = processClickHouse(dataDir)
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: join(import.meta.dir, '../..'),
    env: {
      ...process.env,
      ROLE: 'batcher',
      NATS_URL: nats.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      API_KEYS: 'crash-key',
      QUERY_KEYS: 'crash-query-key',
      BATCH_MAX_EVENTS: '2000',
      BATCH_FLUSH_INTERVAL_MS: '50',
      BATCH_ACK_WAIT_MS: '2000',
      LOG_LEVEL: 'warn',
      ...clickhouse.env,
      ...env,
    },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  spawned.push(proc)
  const url = `http://127.0.0.1:${port}`
  await until(() => proc.exitCode !== null || fetch(`${url}/health`).then((r) => r.ok, () => false), 20_000, 'the batcher to answer /health')
  if (proc.exitCode !== null) throw new Error(`the batcher exited with code ${proc.exitCode} at start`)
  const query = async (sql: string): Promise<Record<string, string | number>[]> => {
    const r = await fetch(`${url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': 'crash-query-key' } })
    const body = (await r.json()) as { data?: Record<string, string | number>[]; error?: string }
    if (!r.ok) {
      if (String(body.error).includes('UNKNOWN_TABLE') || String(body.error).includes('UNKNOWN_DATABASE')) return [{ rows: 0, ids: 0 }]
      throw new Error(body.error)
    }
    return body.data!
  }
  const counts = async () => {
    const [row] = await query(`SELECT count() AS rows, count(DISTINCT _id) AS ids FROM ${clickhouse.database}.\`${dataset}\``)
    return { rows: Number(row!.rows), ids: Number(row!.ids) }
  }
  return { proc, counts }
}

describe('batcher crash', () => {
  test('a batcher SIGKILLed mid-batch, twice, then restarted loses nothing and duplicates nothing', async () => {
    const ingest = await startTestPipeline({ ROLE: 'ingest' }, nats)
    const requests = 60
    const perRequest = 1000
    for (let r = 0; r < requests; r++) expect((await ingest.send('crash', eventsBody(r, perRequest))).status).toBe(202)
    await ingest.stop()

    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-'))
    try {
      const port = await freePort()
      const total = requests * perRequest
      // First kill: as soon as rows land, so batches are in flight (written, not all acknowledged).
      const first = await spawnBatcher(dataDir, port)
      let seen = { rows: 0, ids: 0 }
      for (let i = 0; i < 1000 && seen.rows === 0; i++) {
        seen = await first.counts().catch(() => seen)
        if (seen.rows === 0) await Bun.sleep(5)
      }
      first.proc.kill('SIGKILL')
      await first.proc.exited
      expect(seen.rows).toBeGreaterThan(0)
      expect(seen.rows).toBeLessThan(total)
      // Second kill: while the messages the first one held come back (after the 2 s ack wait).
      const second = await spawnBatcher(dataDir, port)
      await until(async () => ((await consumer().catch(() => undefined))?.num_redelivered ?? 0) > 0, 20_000, 'the messages the first batcher held to come back')
      second.proc.kill('SIGKILL')
      await second.proc.exited
      const batcher = await spawnBatcher(dataDir, port)
      // Every event written and the stream drained: nothing is left to come back as a duplicate.
      await until(async () => (await batcher.counts()).rows >= total && (await drained()), 30_000, 'every event to land and the stream to drain')
      const final = await batcher.counts()
      batcher.proc.kill('SIGTERM')
      expect(await batcher.proc.exited).toBe(0)
      expect(final).toEqual({ rows: total, ids: total })
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe('batcher crash under load', () => {
  test('a batcher SIGKILLed while events keep coming: a new one has every event queryable within 30 s, each once', async () => {
    const ingest = await startTestPipeline({ ROLE: 'ingest' }, nats)
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-load-'))
    // The default ack wait (10 s): how long the events the dead batcher held wait to come back.
    const env = { BATCH_ACK_WAIT_MS: '', BATCH_MAX_EVENTS: '5000', BATCH_FLUSH_INTERVAL_MS: '200' }
    try {
      const port = await freePort()
      const first = await spawnBatcher(dataDir, port, env, 'underload')
      let sent = 0
      let sending = true
      const load = (async () => {
        for (let r = 0; sending; r++) {
          const res = await ingest.send('underload', eventsBody(r, 200))
          expect(res.status).toBe(202)
          sent += 200
          await Bun.sleep(10) // steady traffic, not a flood the batcher must catch up with
        }
      })()
      // Killed mid-work: it has written events and holds others it has not acknowledged.
      await until(async () => (await first.counts()).rows > 0 && ((await consumer().catch(() => undefined))?.num_ack_pending ?? 0) > 0, 20_000, 'the first batcher to write events and hold more')
      first.proc.kill('SIGKILL')
      const killedAt = Date.now()
      await first.proc.exited
      const second = await spawnBatcher(dataDir, port, env, 'underload')
      // Events keep coming across the restart: the new batcher writes some before the load ends.
      const atStart = (await second.counts()).rows
      await until(async () => (await second.counts()).rows > atStart, 20_000, 'the new batcher to write events sent after the kill')
      sending = false
      await load
      let final = await second.counts()
      while (final.rows < sent && Date.now() - killedAt < 45_000) {
        await Bun.sleep(100)
        final = await second.counts()
      }
      const recoveryMs = Date.now() - killedAt
      // Nothing is left to come back as a duplicate once the stream is drained.
      await until(drained, 10_000, 'the stream to drain')
      final = await second.counts()
      console.log(`batcher SIGKILLed under load: ${sent} events sent (202), ${final.rows} rows, ${final.ids} distinct ids; every event queryable ${(recoveryMs / 1000).toFixed(1)} s after the kill`)
      second.proc.kill('SIGTERM')
      expect(await second.proc.exited).toBe(0)
      expect(final).toEqual({ rows: sent, ids: sent })
      expect(recoveryMs).toBeLessThan(30_000)
    } finally {
      await ingest.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 90_000)
})

describe('ClickHouse outage', () => {
  test('ClickHouse unreachable: events wait in JetStream unacknowledged, /ready says so, and land once when it is back', async () => {
    const deadPort = await freePort()
    // A short shutdown budget: stopping, the batcher gives back what it could not write once the
    // budget is spent (SHUTDOWN_TIMEOUT_MS; 30 s by default, which this test does not need to wait out).
    const down = await startTestPipeline({ CLICKHOUSE_URL: `http://127.0.0.1:${deadPort}`, SHUTDOWN_TIMEOUT_MS: '2000' }, nats)
    expect((await down.send('chdown', eventsBody(1, 500))).status).toBe(202)
    const ready = await fetch(`${down.sluice.url}/ready`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ clickhouse: false, nats: true })
    // The batcher tried ClickHouse, was refused, and keeps the events unacknowledged.
    await until(() => down.sluice.batcher!.stats().failedAttempts > 0, 10_000, 'a write to ClickHouse to fail')
    expect(down.sluice.batcher!.stats().insertedEvents).toBe(0)
    expect(await down.sluice.batcher!.lag()).toBeGreaterThan(0)
    await down.stop()

    // A batcher with a working ClickHouse picks the same events up.
    const up = await startTestPipeline({}, nats)
    try {
      await up.drained(15_000)
      const [row] = await up.query(`SELECT count() AS n, count(DISTINCT _id) AS ids FROM ${up.clickhouse.database}.chdown`)
      expect({ n: Number(row!.n), ids: Number(row!.ids) }).toEqual({ n: 500, ids: 500 })
    } finally {
      await up.stop()
    }
  }, 60_000)
})

describe('shutdown', () => {
  test('stop() lets a request already in flight finish with 202, and its events land once another batcher runs', async () => {
    const first = await startTestPipeline({}, nats)
    const events = Array.from({ length: 2000 }, (_, i) => ({ i, message: `in flight ${i}` }))
    const text = new TextEncoder().encode(JSON.stringify(events))
    const half = text.length >> 1
    let push!: ReadableStreamDefaultController<Uint8Array>
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) })
    push.enqueue(text.subarray(0, half))
    const response = fetch(`${first.sluice.url}/v1/inflight`, { method: 'POST', body, headers: { 'x-api-key': 'pipeline-test-key' } })
    await Bun.sleep(200) // the request is inside the server, its body half read
    const stopping = first.sluice.stop()
    await Bun.sleep(100)
    push.enqueue(text.subarray(half))
    push.close()
    expect((await response).status).toBe(202)
    await stopping
    // The first batcher may have written some before it stopped (into its own test database).
    const second = await startTestPipeline({}, nats)
    const landed = async () => {
      let n = 0
      for (const db of [first.clickhouse.database, second.clickhouse.database]) {
        const rows = await second.query(`SELECT count() AS n FROM system.tables WHERE database = '${db}' AND name = 'inflight'`)
        if (Number(rows[0]!.n) > 0) n += Number((await second.query(`SELECT count() AS n FROM ${db}.inflight`))[0]!.n)
      }
      return n
    }
    try {
      let n = await landed()
      for (let i = 0; i < 150 && n < 2000; i++) await Bun.sleep(100), (n = await landed())
      await Bun.sleep(300)
      expect(await landed()).toBe(2000)
    } finally {
      await second.stop()
    }
  }, 60_000)
})
