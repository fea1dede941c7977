// The Idempotency-Key rule against the real pipeline: a retry of the same body lands once, however
// it travels; another body under a reused key is another request and lands in full.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  await p?.stop()
})

const bigBody = (tag: string, count: number) =>
  JSON.stringify(Array.from({ length: count }, (_, i) => ({ tag, i, message: `event ${i} `.padEnd(1000, 'x') })))

/** The body streamed in pieces of `size` bytes (chunked transfer encoding, no Content-Length). */
function streamed(body: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= body.length) return controller.close()
      controller.enqueue(body.slice(offset, (offset += size)))
    },
  })
}

async function settle(table: string, expected: number) {
  await p.waitForCount(table, expected, 30_000)
  // Every message written and acknowledged: a wrongly duplicated one has landed too.
  await p.drained()
  const [row] = await p.query(`SELECT count() AS rows, uniqExact(_id) AS ids FROM ${p.clickhouse.database}.\`${table}\``)
  return { rows: Number(row!.rows), ids: Number(row!.ids) }
}

describe('Idempotency-Key', () => {
  test('a key reused with a different body loses no event: both bodies land in full with distinct _ids', async () => {
    const first = await p.send('idem_reuse', '[{"message":"A"}]', { 'idempotency-key': 'K' })
    const second = await p.send('idem_reuse', bigBody('second', 2500), { 'idempotency-key': 'K' })
    expect([first.status, second.status]).toEqual([202, 202])
    expect(await settle('idem_reuse', 2501)).toEqual({ rows: 2501, ids: 2501 })
  }, 60_000)

  test('a retry of the same body with the same key lands once, plain, gzip-compressed or chunked differently', async () => {
    const text = bigBody('retry', 2500)
    const bytes = new TextEncoder().encode(text)
    const headers = { 'idempotency-key': 'retry-1' }
    const answers = [
      await p.send('idem_retry', text, headers),
      await p.send('idem_retry', zlib.gzipSync(bytes), { ...headers, 'content-encoding': 'gzip' }),
      await p.send('idem_retry', streamed(bytes, 7_777) as unknown as Uint8Array, headers),
      await p.send('idem_retry', zlib.gzipSync(bytes, { level: 1 }), { ...headers, 'content-encoding': 'gzip' }),
    ]
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202])
    expect(await settle('idem_retry', 2500)).toEqual({ rows: 2500, ids: 2500 })
  }, 60_000)

  test('a partly invalid request retried with the same key lands its valid events once', async () => {
    const body = '[{"a":1},{"duration":"slow"},{"b":2}]'
    const answers = [await p.send('idem_partial', body, { 'idempotency-key': 'p-1' }), await p.send('idem_partial', body, { 'idempotency-key': 'p-1' })]
    expect(answers.map((a) => a.status)).toEqual([400, 400])
    expect(answers[0]!.body.accepted).toBe(2)
    expect(await settle('idem_partial', 2)).toEqual({ rows: 2, ids: 2 })
  }, 60_000)

  test('the same bytes sent as NDJSON and as a JSON array under one key are two requests: each lands in full under ids of its own', async () => {
    // Line 1 of the NDJSON reading is A, element 1 of the array reading is C. C lies near the future
    // edge of the time window, so both requests ask the batcher to write only rows not yet landed.
    const nearFutureEdge = new Date(Date.now() + 86_400_000 - 5 * 60_000).toISOString()
    const body = `[\n{"message":"A"}\n,\n{"message":"C","timestamp":"${nearFutureEdge}"}\n]`
    const lines = await p.send('idem_format', body, { 'idempotency-key': 'f-1', 'content-type': 'application/x-ndjson' })
    expect(lines.status).toBe(400)
    expect(lines.body.accepted).toBe(2)
    expect(lines.body.invalid.map((i: { index: number }) => i.index)).toEqual([0, 2, 4])
    const array = await p.send('idem_format', body, { 'idempotency-key': 'f-1' })
    expect(array.status).toBe(202)
    expect(await settle('idem_format', 4)).toEqual({ rows: 4, ids: 4 })
    const stored = await p.query(`SELECT toString(data.message) AS m, count() AS n FROM ${p.clickhouse.database}.idem_format GROUP BY m ORDER BY m`)
    expect(stored.map((r) => [r.m, Number(r.n)])).toEqual([['A', 2], ['C', 2]])
  }, 60_000)
})
