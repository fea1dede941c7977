// The attack corpus against a whole sluice (real nats-server, embedded ClickHouse, HTTP route):
// every attack is refused with the right status and no side effect (no file read into an answer,
// no file written, no row added, no table dropped, no request made), while ingest goes on.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PIPELINE_KEY, PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'
import { allowedQueries, attackCorpus, SECRET_TEXT, type AttackTargets } from '../support/query-attacks'

let p: TestPipeline
let targets: AttackTargets
let listener: ReturnType<typeof Bun.serve>
let listenerHits = 0

const event = (i: number) => JSON.stringify([{ message: `event ${i}`, requestId: `r-${i}` }])

/** The answer, asked again while the node's one query slot is still held by an earlier query's engine (429). */
async function ask(sql: string, key = PIPELINE_QUERY_KEY): Promise<{ status: number; text: string; headers: Headers }> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': key } })
    if (response.status !== 429 || attempt === 100) return { status: response.status, text: await response.text(), headers: response.headers }
    await Bun.sleep(100)
  }
}

beforeAll(async () => {
  p = await startTestPipeline({ QUERY_TIMEOUT_MS: '5000' })
  // Only requests under a path of this run count: on a shared machine another process may still be
  // polling whatever had this port before (2,730 such requests were seen once).
  const path = `/attack-${crypto.randomUUID()}`
  listener = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request) => (new URL(request.url).pathname.startsWith(path) && listenerHits++, new Response('hit')),
  })
  const dir = mkdtempSync(join(tmpdir(), 'sluice-attack-'))
  const secretFile = join(dir, 'secret.txt')
  writeFileSync(secretFile, `${SECRET_TEXT}\n`)
  targets = { db: p.clickhouse.database, secretFile, outFile: join(dir, 'pwned.txt'), listener: `http://127.0.0.1:${listener.port}${path}` }
  expect((await p.send('logs', event(1))).status).toBe(202)
  expect((await p.send('victim', event(2))).status).toBe(202)
  expect(await p.waitForCount('logs', 1)).toBe(1)
  expect(await p.waitForCount('victim', 1)).toBe(1)
}, 30_000)

afterAll(async () => {
  listener?.stop(true)
  await p?.stop()
})

describe('POST /query under attack', () => {
  test('refuses every attack in the corpus, says why, never answers with the secret, while ingest goes on', async () => {
    // Ingest runs beside the corpus the whole time.
    let sending = true
    let sent = 0
    const ingest = (async () => {
      while (sending) {
        const r = await p.send('alive', event(sent))
        expect(r.status).toBe(202)
        sent++
        await Bun.sleep(20)
      }
    })()
    const corpus = attackCorpus(targets)
    const wrong: string[] = []
    for (const attack of corpus) {
      const { status, text } = await ask(attack.sql)
      const body = JSON.parse(text) as { message?: string; error?: string }
      if (status !== attack.status) wrong.push(`${attack.name}: ${status} (wanted ${attack.status}) ${body.error}`)
      else if (typeof body.error !== 'string' || body.error.length === 0) wrong.push(`${attack.name}: no reason given`)
      if (text.includes(SECRET_TEXT)) wrong.push(`${attack.name}: the answer holds the secret file`)
    }
    sending = false
    await ingest
    expect(wrong).toEqual([])
    expect(corpus.length).toBeGreaterThanOrEqual(155)
    // Everything sent while under attack lands.
    expect(sent).toBeGreaterThan(0)
    expect(await p.waitForCount('alive', sent)).toBe(sent)
  }, 60_000)

  test('left no side effect: no file written, no row added, no table dropped, no request made', async () => {
    expect(existsSync(targets.outFile)).toBe(false)
    expect(await p.waitForCount('logs', 1, 0)).toBe(1)
    expect(await p.waitForCount('victim', 1, 0)).toBe(1)
    const forged = await p.query(`SELECT count() AS n FROM ${targets.db}.logs WHERE _service = 'forged'`)
    expect(Number(forged[0]!.n)).toBe(0)
    const tables = await p.query(`SELECT name FROM system.tables WHERE database = '${targets.db}' ORDER BY name`)
    expect(tables.map((t) => t.name)).not.toContain('new')
    expect(listenerHits).toBe(0)
    const ready = await fetch(`${p.sluice.url}/ready`)
    expect(ready.status).toBe(200)
  })

  test('still answers the reads people need', async () => {
    for (const sql of allowedQueries(targets.db)) {
      const { status, text } = await ask(sql)
      expect({ sql, status, text: status === 200 ? '' : text }).toEqual({ sql, status: 200, text: '' })
    }
    expect(JSON.parse((await ask('SELECT count() AS n FROM logs')).text).data[0].n).toBe(1)
  })
})

describe('keys on /query', () => {
  test('an ingest key is public and cannot query: 401, saying which key to use', async () => {
    const { status, text } = await ask('SELECT 1', PIPELINE_KEY)
    expect(status).toBe(401)
    expect(JSON.parse(text).error).toContain('QUERY_KEYS')
  })
  test('a missing or unknown key is 401', async () => {
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: 'SELECT 1' })
    expect(response.status).toBe(401)
    expect((await ask('SELECT 1', 'nope')).status).toBe(401)
  })
  test('a body past 256 KB is refused with 413 without being read whole, chunked or not', async () => {
    const big = `SELECT '${'x'.repeat(300 * 1024)}'`
    expect((await ask(big)).status).toBe(413)
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)))
        controller.close()
      },
    })
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: chunks, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
    expect(response.status).toBe(413)
  })
  test('a query key does not send events', async () => {
    const r = await p.send('logs', event(9), { 'x-api-key': PIPELINE_QUERY_KEY })
    expect(r.status).toBe(401)
  })
})
