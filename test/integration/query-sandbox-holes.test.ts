// Holes found by attacking the /query sandbox from outside, each held shut here:
// - ClickHouse's max_result_bytes counts a constant column once per block, and its JSON repeats every
//   column name in every row: `repeat('a', 1e6) FROM numbers(100)` or a 100 KB alias answered 100 MB
//   under a 32 MiB limit, built inside the sluice process (RSS up to 2.9 GB).
// - the time limit is checked between blocks only: a few rows of a quadratic string function ran
//   28 s under a 5 s limit, holding the only embedded query slot.
// - a NUL byte was answered 503 ("ClickHouse did not answer") and logged as an outage.
// - displayName() gave the host name that hostName() is refused for.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { hostname } from 'node:os'
import { PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

const MAX_RESULT_BYTES = 1024 * 1024
const TIMEOUT_MS = 1000
let p: TestPipeline

beforeAll(async () => {
  p = await startTestPipeline({ QUERY_MAX_RESULT_BYTES: String(MAX_RESULT_BYTES), QUERY_TIMEOUT_MS: String(TIMEOUT_MS) })
}, 30_000)
afterAll(() => p?.stop())

/** The answer, asked again while the one query slot is still held by an earlier query's engine (429, as Retry-After says). */
async function ask(sql: string): Promise<{ status: number; bytes: number; text: string; ms: number }> {
  for (let attempt = 0; ; attempt++) {
    const started = performance.now()
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
    const text = await response.text()
    if (response.status !== 429 || attempt === 100) return { status: response.status, bytes: text.length, text, ms: performance.now() - started }
    await Bun.sleep(100)
  }
}

test('a materialized string over the limit is refused with 413 (ClickHouse counts it)', async () => {
  const r = await ask("SELECT materialize(repeat('a', 100000)) FROM numbers(200)")
  expect(r.status).toBe(413)
  expect(r.text).toContain('QUERY_MAX_RESULT_BYTES')
})

test('a constant string repeated on many rows cannot pass QUERY_MAX_RESULT_BYTES', async () => {
  const r = await ask("SELECT repeat('a', 100000) FROM numbers(200)")
  expect(r.status).toBe(413)
  expect(r.text).toContain('QUERY_MAX_RESULT_BYTES')
})

test('a long column name repeated in every JSON row cannot pass QUERY_MAX_RESULT_BYTES', async () => {
  const r = await ask(`SELECT 1 AS \`${'a'.repeat(50_000)}\` FROM numbers(400)`)
  expect(r.status).toBe(413)
  // The session of a cut answer is not reused: the next query gets its own answer.
  expect(JSON.parse((await ask('SELECT 42 AS n')).text).data).toEqual([{ n: 42 }])
})

test('a few rows of an expensive string function cannot overrun QUERY_TIMEOUT_MS', async () => {
  const r = await ask("SELECT sum(editDistance(repeat('a', 30000 + number % 2), repeat('b', 30000))) FROM numbers(4)")
  expect([403, 413]).toContain(r.status)
  expect(r.ms).toBeLessThan(TIMEOUT_MS + 1500)
  const folded = (c: string) => `editDistance(repeat('${c}', 45000), repeat('b', 45000))`
  const constant = await ask(`SELECT ${folded('a')} AS x, ${folded('c')} AS y`)
  expect([403, 413]).toContain(constant.status)
  expect(constant.ms).toBeLessThan(TIMEOUT_MS + 1500)
})

test('a NUL byte in the SQL is a bad query (400), not an unreachable ClickHouse (503)', async () => {
  const r = await ask('SELECT 1 \u0000')
  expect(r.status).toBe(400)
  expect(r.text).toContain('NUL')
})

test('displayName() does not reveal the host name that hostName() is refused for', async () => {
  expect((await ask('SELECT hostName()')).status).toBe(403)
  const r = await ask('SELECT displayName() AS h')
  expect(r.text).not.toContain(`"${hostname()}"`)
  expect(r.status).toBe(403)
})
