// The console's endpoints against a real pipeline (nats-server, the embedded ClickHouse): a query
// key opens them and nothing else does; a dataset name is checked before it reaches SQL; every
// read runs under the query sandbox's limits; live tails are bounded and end with their client.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { specExample } from '../support/spec-example'
import { PIPELINE_KEY, PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'
import { until } from '../support/wait'

let p: TestPipeline
/** GET with a key (the query key unless told; null: none). */
const get = (path: string, key: string | null = PIPELINE_QUERY_KEY, signal?: AbortSignal) =>
  fetch(`${p.sluice.url}${path}`, { headers: key === null ? {} : { 'x-api-key': key }, signal })

beforeAll(async () => {
  p = await startTestPipeline()
  const now = Date.now()
  expect((await p.send('logs', specExample)).status).toBe(202)
  const levels = ['info', 'info', 'warn', 'error', 'info']
  expect((await p.send('logs', JSON.stringify(levels.map((level, i) => ({ message: `m${i}`, level, timestamp: now - i * 10_000 }))))).status).toBe(202)
  expect((await p.send('empty-ish', JSON.stringify([{ message: 'one' }]))).status).toBe(202)
  expect(await p.waitForCount('logs', 7)).toBe(7)
  expect(await p.waitForCount('empty-ish', 1)).toBe(1)
}, 60_000)

afterAll(async () => {
  await p?.stop()
})

const API_PATHS = ['/console/api/session', '/console/api/datasets', '/console/api/datasets/logs/fields', '/console/api/datasets/logs/histogram', '/console/api/datasets/logs/events', '/console/api/datasets/logs/examples', '/console/api/datasets/logs/tail']

describe('console endpoints', () => {
  test('open with a query key only: an ingest key, a wrong key and no key are 401, each saying why', async () => {
    for (const path of API_PATHS) {
      for (const key of [PIPELINE_KEY, 'wrong-key', null]) {
        const r = await get(path, key)
        const body = (await r.json()) as { message: string; error: string }
        expect([path, key, r.status]).toEqual([path, key, 401])
        expect(body.message).toBe('Unauthorised')
        expect(body.error).toContain(key === PIPELINE_KEY ? 'ingest key' : 'not a query key')
      }
    }
  })

  test('the page and its assets are served by sluice itself, with a policy that loads nothing from elsewhere', async () => {
    const page = await get('/', null)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    for (const src of html.match(/(?:src|href)="[^"]+"/g)!) expect(src).toMatch(/="\/console\//)
    const script = await get('/console/main.js', null)
    expect(script.status).toBe(200)
    const js = await script.text()
    // CodeMirror and uPlot are in the bundle, not fetched from a CDN.
    expect(js).toContain('cm-editor')
    expect(js).not.toMatch(/https:\/\/(cdn|unpkg|esm\.sh|jsdelivr)/)
    expect((await get('/console/main.css', null)).status).toBe(200)
    const gzipped = await fetch(`${p.sluice.url}/console/main.js`, { headers: { 'accept-encoding': 'gzip' }, decompress: false } as RequestInit)
    expect(gzipped.headers.get('content-encoding')).toBe('gzip')
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gzipped.arrayBuffer())))).toBe(js)
  })

  test('lists each dataset with its events, bytes, first and last time', async () => {
    const datasets = (await (await get('/console/api/datasets')).json()) as { name: string; events: number; bytes: number; first: number; last: number }[]
    expect(datasets.map((d) => d.name)).toEqual(expect.arrayContaining(['empty-ish', 'logs']))
    const logs = datasets.find((d) => d.name === 'logs')!
    expect(logs.events).toBe(7)
    expect(logs.bytes).toBeGreaterThan(0)
    const [{ first, last }] = await p.query(`SELECT toUnixTimestamp64Milli(min(_timestamp)) AS first, toUnixTimestamp64Milli(max(_timestamp)) AS last FROM ${p.clickhouse.database}.logs`)
    expect([logs.first, logs.last]).toEqual([Number(first), Number(last)])
  })

  test("lists the fields of a dataset's data with their types, and nested paths", async () => {
    const fields = (await (await get('/console/api/datasets/logs/fields')).json()) as { path: string; types: string[] }[]
    const byPath = Object.fromEntries(fields.map((f) => [f.path, f.types]))
    expect(byPath['data.userId']).toEqual(['String'])
    expect(byPath['requestId']).toEqual(['Nullable(String)'])
    expect(byPath['level']).toEqual(['Nullable(String)'])
  })

  test('the histogram counts every event once, by level', async () => {
    const h = (await (await get('/console/api/datasets/logs/histogram')).json()) as { times: number[]; series: { level: string; counts: number[] }[] }
    const total = (level: string) => h.series.find((s) => s.level === level)?.counts.reduce((a, b) => a + b, 0)
    expect([total('info'), total('warn'), total('error'), total('')]).toEqual([3, 1, 1, 2])
    expect(h.times.length).toBeLessThanOrEqual(61)
  })

  test('a histogram keeps the commonest levels apart and counts the rest together, however many senders invent', async () => {
    const invented = Array.from({ length: 40 }, (_, i) => ({ message: `x${i}`, level: `level-${i}-${'z'.repeat(100)}` }))
    const common = Array.from({ length: 20 }, (_, i) => ({ message: `c${i}`, level: 'common' }))
    expect((await p.send('levels', JSON.stringify([...invented, ...common]))).status).toBe(202)
    expect(await p.waitForCount('levels', 60)).toBe(60)
    const h = (await (await get('/console/api/datasets/levels/histogram')).json()) as { series: { level: string; counts: number[] }[] }
    expect(h.series.length).toBe(9)
    const total = (level: string) => h.series.find((s) => s.level === level)!.counts.reduce((a, b) => a + b, 0)
    expect(total('common')).toBe(20)
    expect(total('(other)')).toBe(40 - 7)
    for (const s of h.series) expect(s.level.length).toBeLessThanOrEqual(40)
  })

  test('events of a range are those whose time is in it', async () => {
    const all = (await (await get('/console/api/datasets/logs/events')).json()) as { ts: number; raw: string }[]
    expect(all).toHaveLength(7)
    const m1 = all.find((e) => e.raw.includes('"m1"'))!
    const m3 = all.find((e) => e.raw.includes('"m3"'))!
    const some = (await (await get(`/console/api/datasets/logs/events?from=${m3.ts}&to=${m1.ts + 1}`)).json()) as { raw: string }[]
    expect(some.map((e) => JSON.parse(e.raw).message)).toEqual(['m1', 'm2', 'm3'])
  })

  test('a hostile dataset name or range is refused before SQL, or clamped to what ClickHouse holds', async () => {
    for (const name of ['logs`;DROP TABLE logs', '_dead_letter', 'a'.repeat(65), '..%2f..', 'logs%60']) {
      const r = await get(`/console/api/datasets/${encodeURIComponent(name)}/events`)
      expect([name, r.status]).toEqual([name, 400])
    }
    for (const query of ['from=NaN&to=1', 'from=-1e300&to=1e300', 'from=5&to=4', 'from=&to=']) {
      const r = await get(`/console/api/datasets/logs/histogram?${query}`)
      expect([query, r.status]).toEqual([query, 200])
      const h = (await r.json()) as { times: number[] }
      expect(h.times.length).toBeLessThanOrEqual(61)
    }
    expect(await p.waitForCount('logs', 7)).toBe(7)
  })

  test('an unknown dataset is a 400 with ClickHouse’s sentence, not a 500', async () => {
    const r = await get('/console/api/datasets/nope/fields')
    expect(r.status).toBe(400)
    expect(((await r.json()) as { error: string }).error).toContain('nope')
  })

  test('send examples name this server, the dataset and an ingest key, never the query key', async () => {
    const { opentelemetry, ...examples } = (await (await get('/console/api/datasets/logs/examples')).json()) as Record<string, string> & { opentelemetry: Record<string, string> }
    expect(Object.keys(examples).sort()).toEqual(['curl', 'go', 'javascript', 'python'])
    for (const code of Object.values(examples)) {
      // The server is the examples' default address (SLUICE_URL overrides it), the dataset their path.
      expect(code).toContain(p.sluice.url)
      expect(code).toContain('/v1/logs')
      expect(code).toContain(PIPELINE_KEY)
      expect(code).not.toContain(PIPELINE_QUERY_KEY)
    }
    expect(Object.keys(opentelemetry).sort()).toEqual(['collector', 'environment'])
    for (const text of Object.values(opentelemetry)) {
      expect(text).toContain(`${p.sluice.url}/otlp`)
      expect(text).toContain(PIPELINE_KEY)
      expect(text).not.toContain(PIPELINE_QUERY_KEY)
    }
  })
})

describe('live tail', () => {
  test('streams a new event within about two seconds of its 202', async () => {
    const stop = new AbortController()
    const r = await get('/console/api/datasets/logs/tail', PIPELINE_QUERY_KEY, stop.signal)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toContain('text/event-stream')
    const reader = r.body!.getReader()
    let text = ''
    const read = async (until: (t: string) => boolean, ms: number) => {
      const deadline = Date.now() + ms
      while (!until(text) && Date.now() < deadline) {
        const { value, done } = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => ({ value: undefined, done: false }))])
        if (done) break
        if (value) text += new TextDecoder().decode(value)
      }
    }
    await read((t) => t.includes('event: events'), 5000)
    const marker = `tail-${crypto.randomUUID()}`
    const sent = Date.now()
    expect((await p.send('logs', JSON.stringify([{ message: marker }]))).status).toBe(202)
    await read((t) => t.includes(marker), 5000)
    expect(text).toContain(marker)
    // Within a couple of seconds of landing (README): a poll a second, after a 100 ms flush.
    expect(Date.now() - sent).toBeLessThan(3000)
    // Shown once: the polls up to one that shows a later event do not repeat it.
    const later = `tail-${crypto.randomUUID()}`
    expect((await p.send('logs', JSON.stringify([{ message: later }]))).status).toBe(202)
    await read((t) => t.includes(later), 5000)
    expect(text).toContain(later)
    expect(text.split(marker).length - 1).toBe(1)
    stop.abort()
  })

  test('at most 4 tails run at once on a node; a closed one gives its place back', async () => {
    const clients = Array.from({ length: 4 }, () => new AbortController())
    const open = await Promise.all(clients.map((c) => get('/console/api/datasets/logs/tail', PIPELINE_QUERY_KEY, c.signal)))
    expect(open.map((r) => r.status)).toEqual([200, 200, 200, 200])
    const refused = await get('/console/api/datasets/logs/tail')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBeTruthy()
    for (const c of clients) c.abort()
    await until(async () => {
      const c = new AbortController()
      const r = await get('/console/api/datasets/logs/tail', PIPELINE_QUERY_KEY, c.signal)
      c.abort()
      return r.status === 200
    }, 5000, 'a tail slot to come back after its client left')
  })
})

describe('console limits and switches', () => {
  test("console reads run under the query sandbox's limits", async () => {
    const limited = await startTestPipeline({ QUERY_MAX_ROWS_TO_READ: '2' })
    try {
      expect((await limited.send('logs', JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ message: `m${i}` }))))).status).toBe(202)
      // Counted on the engine directly: the limited /query could not count them.
      const count = async () => {
        const r = await limited.clickhouse.client.query({ query: `SELECT sum(rows) AS n FROM system.parts WHERE database = '${limited.clickhouse.database}' AND table = 'logs' AND active`, format: 'JSONEachRow' })
        return Number(((await r.json()) as { n: string }[])[0]!.n)
      }
      await until(async () => (await count()) === 5, 10_000, 'rows to land')
      const limitedRead = await fetch(`${limited.sluice.url}/console/api/datasets/logs/events`, { headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
      expect(limitedRead.status).toBe(413)
      expect(((await limitedRead.json()) as { error: string }).error).toContain('QUERY_MAX_ROWS_TO_READ')
    } finally {
      await limited.stop()
    }
  }, 30_000)

  test('CONSOLE_ENABLED=false serves no console and none of its endpoints', async () => {
    const off = await startTestPipeline({ CONSOLE_ENABLED: 'false' })
    try {
      for (const path of ['/', '/console/main.js', '/console/api/datasets']) {
        const r = await fetch(`${off.sluice.url}${path}`, { headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
        await r.arrayBuffer()
        expect([path, r.status === 200]).toEqual([path, false])
      }
    } finally {
      await off.stop()
    }
  }, 30_000)
})
