// The worst a ClickHouse server does to sluice: SIGKILLed under load, three times, with inserts in
// flight, and started again on the same data and port. Ingest keeps answering (events wait in JetStream);
// a careful client retries with the same Idempotency-Key. Every event answered 202 must be in the
// table exactly once once the server is back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestClickHouseServer, type TestClickHouseServer } from '../support/clickhouse-server'
import { landed, settle, startLoad, waitForProgress } from '../support/load'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

const DATASET = 'chcrash'
let server: TestClickHouseServer
let p: TestPipeline

beforeAll(async () => {
  server = await startTestClickHouseServer()
  p = await startTestPipeline({ CLICKHOUSE_URL: server.url })
}, 60_000)
afterAll(async () => {
  await p?.stop()
  await server?.stop()
})

/** Rows in the dataset's table, read on the server itself (0 while it or the table is missing). */
async function rowsNow(): Promise<number> {
  const text = await server.query(`SELECT count() FROM ${p.config.clickhouse.database}.${DATASET}`).catch(() => '0')
  return Number(text.trim())
}

describe('ClickHouse server crash', () => {
  test('the server SIGKILLed three times mid-load and restarted on the same data: every 202 lands exactly once', async () => {
    const load = startLoad({ urls: [p.sluice.url], key: PIPELINE_KEY, dataset: DATASET })
    const batcher = p.sluice.batcher!
    const outages: number[] = []
    // Each kill at another point of the batcher's 100 ms flush cycle, measured from a batch landing.
    for (const offsetMs of [0, 40, 80]) {
      await waitForProgress(load, 30)
      const before = await rowsNow()
      while ((await rowsNow()) === before) await Bun.sleep(5)
      await Bun.sleep(offsetMs)
      const failed = batcher.stats().failedAttempts
      server.kill()
      const killedAt = Date.now()
      // Ingest does not need ClickHouse: 202s go on while the batcher keeps its batch and retries.
      await waitForProgress(load, 20)
      while (batcher.stats().failedAttempts === failed) await Bun.sleep(20)
      expect((await fetch(`${p.sluice.url}/ready`)).status).toBe(503)
      await server.restart()
      outages.push(Date.now() - killedAt)
    }
    await waitForProgress(load, 30)
    const report = await load.finish(30_000)
    const settledFrom = Date.now()
    const final = await settle(() => landed(p.query, p.config.clickhouse.database, DATASET), report.accepted, 45_000, () => p.drained(1000).then(() => true, () => false))
    const stats = batcher.stats()
    console.log(
      `ClickHouse server SIGKILL x3: ${report.requests} requests, ${report.accepted + report.refused} events sent, ${report.accepted} answered 202, ${final.rows} rows found, ` +
        `${final.rows - final.ids} duplicates, ${report.retries} client retries, ${stats.failedAttempts} failed inserts retried; server down ${outages.join(' / ')} ms; ` +
        `all rows in ${Date.now() - settledFrom - 3000} ms after the load ended`,
    )
    expect(report.unresolved).toBe(0)
    expect(stats.failedAttempts).toBeGreaterThan(0)
    expect(final).toEqual({ rows: report.accepted, ids: report.accepted, eids: report.accepted, refusedRows: 0 })
  }, 120_000)
})
