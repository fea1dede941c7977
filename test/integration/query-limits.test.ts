// Limits a query cannot lift, through the HTTP route: runaway and huge queries are cut with 413
// naming the limit, busy slots answer 429, a client that leaves frees its slot only once the engine
// is done, and ingest and the batcher never wait behind a query. With UV_THREADPOOL_SIZE unset (2
// worker threads), one embedded query runs at a time; a server (server mode) runs
// QUERY_MAX_CONCURRENT and cancels the query of a client that leaves.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { serverUrl } from '../support/clickhouse-mode'
import { PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

const TIMEOUT_MS = 2000
const SLOTS = 4
let p: TestPipeline
const server = serverUrl !== undefined

/** Reads few rows but keeps the CPU busy far past TIMEOUT_MS (10^10 hashes). */
const RUNAWAY = 'SELECT sum(cityHash64(number, n)) FROM numbers(10000000) ARRAY JOIN range(1000) AS n'

async function ask(sql: string, signal?: AbortSignal): Promise<{ status: number; body: any; headers: Headers; ms: number }> {
  const started = performance.now()
  const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': PIPELINE_QUERY_KEY }, signal })
  return { status: response.status, body: await response.json(), headers: response.headers, ms: performance.now() - started }
}

/** Waits until the one query slot is free again: a runaway is answered at its deadline, and its slot comes back once the engine stopped it. */
async function slotFree(): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 10_000; await Bun.sleep(50)) {
    if ((await ask('SELECT 1')).status !== 429) return
  }
  throw new Error('the query slot did not come back within 10 s')
}

beforeAll(async () => {
  p = await startTestPipeline({ QUERY_TIMEOUT_MS: String(TIMEOUT_MS), QUERY_MAX_MEMORY_BYTES: String(256 * 1024 * 1024), QUERY_MAX_CONCURRENT: String(SLOTS), QUERY_MAX_RESULT_BYTES: String(4 * 1024 * 1024) })
  expect((await p.send('logs', JSON.stringify([{ message: 'first' }]))).status).toBe(202)
  expect(await p.waitForCount('logs', 1)).toBe(1)
}, 30_000)

afterAll(() => p?.stop())

describe('query limits', () => {
  test('a runaway query is stopped at QUERY_TIMEOUT_MS while a concurrent ingest lands before it ends', async () => {
    const runaway = ask(RUNAWAY).then((r) => ({ ...r, endedAt: Date.now() }))
    await Bun.sleep(200)
    expect((await p.send('logs', JSON.stringify([{ message: 'during' }]))).status).toBe(202)
    // Counted on the engine directly: the one query slot is the runaway's.
    const db = p.clickhouse.database
    const count = async () => Number(((await (await p.clickhouse.client.query({ query: `SELECT count() AS n FROM ${db}.logs`, format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n)
    while ((await count()) < 2) await Bun.sleep(20)
    const landedAt = Date.now()
    const r = await runaway
    expect(r.status).toBe(413)
    expect(r.body.error).toContain('QUERY_TIMEOUT_MS')
    expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100)
    // Answered at the deadline from outside the engine.
    expect(r.ms).toBeLessThan(TIMEOUT_MS + 1000)
    expect(landedAt).toBeLessThan(r.endedAt)
    // The engine stops it between blocks; its slot is free again once it has.
    let free: { status: number; ms: number } | undefined
    for (const started = Date.now(); Date.now() - started < 10_000; await Bun.sleep(50)) {
      const next = await ask('SELECT 1 AS n')
      if (next.status !== 429) {
        free = { status: next.status, ms: Date.now() - r.endedAt }
        break
      }
    }
    expect(free?.status).toBe(200)
    expect(free!.ms).toBeLessThan(2000)
  }, 20_000)

  test('count() over 10^12 rows is refused by the rows-read limit at once', async () => {
    const r = await ask('SELECT count() FROM numbers(1e12)')
    expect(r.status).toBe(413)
    expect(r.body.error).toContain('QUERY_MAX_ROWS_TO_READ')
    expect(r.ms).toBeLessThan(TIMEOUT_MS)
  })

  test('SELECT * FROM numbers(1e9) is cut at a result limit without growing the server', async () => {
    const before = process.memoryUsage.rss()
    const r = await ask('SELECT * FROM numbers(1e9)')
    expect(r.status).toBe(413)
    // Streamed block by block, whichever of the two result limits a block crosses first answers.
    expect(r.body.error).toMatch(/QUERY_MAX_RESULT_ROWS=500000|QUERY_MAX_RESULT_BYTES=/)
    expect(process.memoryUsage.rss() - before).toBeLessThan(512 * 1024 * 1024)
  }, 20_000)

  test('a result over QUERY_MAX_RESULT_BYTES is refused, naming it', async () => {
    const r = await ask("SELECT repeat(toString(number), 20) FROM numbers(200000)")
    expect(r.status).toBe(413)
    expect(r.body.error).toContain('QUERY_MAX_RESULT_BYTES')
  }, 20_000)

  test('a constant column escapes the result-bytes count, and the memory limit stops it', async () => {
    // ClickHouse counts a constant column's bytes once per block; the answer being built still counts as memory.
    const r = await ask("SELECT repeat('x', 100000) AS big FROM numbers(400000)")
    expect(r.status).toBe(413)
    expect(r.body.error).toContain('QUERY_MAX_MEMORY_BYTES')
  }, 20_000)

  test('a query over QUERY_MAX_MEMORY_BYTES is refused, naming it', async () => {
    const r = await ask('SELECT length(groupArray(number)) FROM numbers(100000000)')
    expect(r.status).toBe(413)
    expect(r.body.error).toContain('QUERY_MAX_MEMORY_BYTES')
  }, 20_000)

  test('after a query hits a limit, the next query gets its own answer, not the output the failed one left', async () => {
    // chDB hands a failed query's partial output to the next query on the same session.
    for (let i = 0; i < 3; i++) {
      expect((await ask('SELECT number FROM numbers(1000000)')).status).toBe(413)
      const next = await ask(`SELECT ${i} AS i`)
      expect({ status: next.status, data: next.body.data }).toEqual({ status: 200, data: [{ i }] })
    }
  })

  test('while every query slot is taken a query gets 429 with Retry-After, saying why; the slot frees when the query ends', async () => {
    await slotFree()
    const running = Array.from({ length: server ? SLOTS : 1 }, () => ask(RUNAWAY))
    await Bun.sleep(300)
    const busy = await ask('SELECT 1')
    expect(busy.status).toBe(429)
    expect(busy.headers.get('retry-after')).toBe('1')
    expect(busy.body.error).toContain(server ? `${SLOTS} queries are running` : 'UV_THREADPOOL_SIZE=2')
    for (const r of await Promise.all(running)) expect(r.status).toBe(413)
    await slotFree()
    expect((await ask('SELECT 1 AS one')).status).toBe(200)
  }, 20_000)

  // Each backend's own slot rule: only the one that applies is registered.
  if (server) test('on a server, a client that leaves has its query cancelled by the server, and its slot is free at once', async () => {
    await slotFree()
    const runaways = async () => {
      const sql = "SELECT count() AS n FROM system.processes WHERE position(query, 'cityHash64') > 0 AND position(query, 'system.processes') = 0"
      return Number(((await (await p.clickhouse.client.query({ query: sql, format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n)
    }
    const left = Date.now()
    const leaving = Array.from({ length: SLOTS }, () => ask(RUNAWAY, AbortSignal.timeout(300)).catch(() => 'left'))
    await Bun.sleep(150)
    expect(await runaways()).toBe(SLOTS)
    expect(await Promise.all(leaving)).toEqual(Array(SLOTS).fill('left'))
    while ((await runaways()) > 0 && Date.now() - left < TIMEOUT_MS * 2) await Bun.sleep(20)
    const stoppedMs = Date.now() - left
    expect(await runaways()).toBe(0)
    expect((await ask('SELECT 1')).status).toBe(200)
    // Stopped by the cancel, well before the time limit would have ended it.
    expect(stoppedMs).toBeLessThan(TIMEOUT_MS)
  }, 20_000)

  if (!server) test('a client that leaves holds its slot until the engine has stopped the query, then the slot is free', async () => {
    // chDB cannot interrupt a running query: the time limit ends it, and until then the slot stays taken.
    await slotFree()
    expect(await ask(RUNAWAY, AbortSignal.timeout(200)).catch(() => 'left')).toBe('left')
    expect((await ask('SELECT 1')).status).toBe(429)
    const deadline = Date.now() + TIMEOUT_MS + 3000
    let status = 0
    while (Date.now() < deadline && status !== 200) {
      status = (await ask('SELECT 1')).status
      if (status !== 200) await Bun.sleep(100)
    }
    expect(status).toBe(200)
  }, 20_000)

  test('GET /ready answers while queries run', async () => {
    await slotFree()
    const running = ask(RUNAWAY)
    await Bun.sleep(200)
    const started = performance.now()
    expect((await fetch(`${p.sluice.url}/ready`)).status).toBe(200)
    expect(performance.now() - started).toBeLessThan(1000)
    expect((await running).status).toBe(413)
  }, 20_000)
})
