// The whole path against real services: HTTP -> JetStream (nats-server) -> batcher -> ClickHouse.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'
import { specExample } from '../support/spec-example'
import { until } from '../support/wait'

let p: TestPipeline
let db: string

beforeAll(async () => {
  p = await startTestPipeline()
  db = p.clickhouse.database
})
afterAll(async () => {
  await p?.stop()
})

describe('events land in ClickHouse', () => {
  // How soon events can be queried is measured by bench/lag.bench.ts (202 to queryable, p50 and p99).
  test("the spec's example is accepted and both events can be queried", async () => {
    const sent = await p.send('logs', specExample, { 'x-service': 'my-service' })
    expect(sent.status).toBe(202)
    expect(await p.waitForCount('logs', 2)).toBe(2)
    const rows = await p.query(`SELECT data.requestId AS requestId, count() AS n FROM ${db}.logs GROUP BY ALL`)
    expect(rows).toEqual([{ requestId: '6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1', n: 2 }])
    const detail = await p.query(`SELECT _service, _namespace, data.duration AS duration, data.data.userId AS userId, _raw FROM ${db}.logs ORDER BY _id`)
    expect(detail.map((r) => r._service)).toEqual(['my-service', 'my-service'])
    expect(detail[0]!._namespace).toBe('https://api.domain.com/resource/{id}')
    expect(detail[1]!.duration).toBe(127)
    expect(detail[1]!.userId).toBe('01HBRCB38K2K4V5SDR7YC1D0ZB')
    expect(detail.map((r) => JSON.parse(r._raw))).toEqual(JSON.parse(specExample))
  })

  test('NDJSON lines land like array elements, with their line numbers in their ids', async () => {
    const lines = ['{"message":"one","level":"info"}', '', '{"message":"two","duration":5}', '{"broken":', '{"message":"three","service":"own"}']
    const sent = await p.send('ndjson', lines.join('\n'), { 'content-type': 'application/x-ndjson', 'x-service': 'shipper', 'idempotency-key': 'nd-1' })
    expect(sent.status).toBe(400)
    expect(sent.body.invalid.map((e: { index: number }) => e.index)).toEqual([3])
    expect(await p.waitForCount('ndjson', 3, 5000)).toBe(3)
    const rows = await p.query(`SELECT _raw, _service, splitByChar('-', _id)[2] AS line, data.duration AS duration FROM ${db}.ndjson ORDER BY line`)
    expect(rows.map((r) => [r._raw, r._service, r.line])).toEqual([
      [lines[0], 'shipper', '0'],
      [lines[2], 'shipper', '2'],
      [lines[4], 'own', '4'],
    ])
    expect(rows[1]!.duration).toBe(5)
  })

  test('the table has the documented layout', async () => {
    const columns = await p.query(`SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'logs' ORDER BY position`)
    const types = Object.fromEntries(columns.map((c) => [c.name, c.type]))
    expect(types._timestamp).toBe('DateTime64(3)')
    expect(types._raw).toBe('String')
    expect(types.data).toStartWith('JSON')
    for (const name of ['_service', '_namespace', '_id']) expect(types[name]).toContain('String')
  })

  test('a partially valid request lands exactly its valid events, byte for byte', async () => {
    const events = ['{"n":0, "message":"kept"}', '{"n":1,"duration":"slow"}', '{"n":2 "broken"}', '{"n":3,"s":"]}\\",["}', '7', `{"n":5,"big":"${'x'.repeat(300 * 1024)}"}`, '{"n":6}']
    const sent = await p.send('partial', `[${events.join(',')}]`)
    expect(sent.status).toBe(400)
    expect(sent.body.message).toBe('Bad Request')
    expect(sent.body.invalid.map((e: { index: number }) => e.index)).toEqual([1, 2, 4, 5])
    expect(await p.waitForCount('partial', 3)).toBe(3)
    await Bun.sleep(300)
    const rows = await p.query(`SELECT _raw FROM ${db}.partial ORDER BY _id`)
    expect(rows.map((r) => r._raw).sort()).toEqual([events[0], events[3], events[6]].sort())
  })

  test('an event ClickHouse would refuse is answered 400 with its index and does not hold back the others, pretty-printed or not', async () => {
    const body = `[\n  {\n    "a": 1,\n    "nested": {"b": [1, 2]}\n  },\n  {\n "bad": 1e400\n},\n{"ok":3}\n]`
    const sent = await p.send('refused', body)
    expect(sent.status).toBe(400)
    expect(sent.body.invalid.map((i: { index: number }) => i.index)).toEqual([1])
    expect(await p.waitForCount('refused', 2)).toBe(2)
    const rows = await p.query(`SELECT _raw FROM ${db}.refused ORDER BY _id`)
    expect(rows.map((r) => r._raw)).toEqual(['{\n    "a": 1,\n    "nested": {"b": [1, 2]}\n  }', '{"ok":3}'])
    // Rows ClickHouse refuses after all go to _dead_letter: test/integration/sink.test.ts.
  })

  test('a retry with the same Idempotency-Key lands once; identical bodies without one both land', async () => {
    const body = '[{"message":"once"},{"message":"twice?"}]'
    for (let i = 0; i < 3; i++) expect((await p.send('idem', body, { 'idempotency-key': 'order-77' })).status).toBe(202)
    expect((await p.send('idem2', body)).status).toBe(202)
    expect((await p.send('idem2', body)).status).toBe(202)
    expect(await p.waitForCount('idem2', 4)).toBe(4)
    expect(await p.waitForCount('idem', 2)).toBe(2)
    await Bun.sleep(500)
    expect(await p.waitForCount('idem', 99, 0)).toBe(2)
  })

  test('a 6 MB request of ~24k events lands whole', async () => {
    // A recent whole second: ingest refuses events older than EVENT_MAX_PAST_DAYS.
    const first = Math.floor(Date.now() / 1000) * 1000 - 3_600_000
    const events = Array.from({ length: 24_000 }, (_, i) => ({ timestamp: first + i, level: 'info', message: `request ${i} done`, requestId: crypto.randomUUID(), duration: i % 500, payload: 'p'.repeat(100) }))
    const body = JSON.stringify(events)
    expect(body.length).toBeLessThan(6 * 1024 * 1024)
    const sent = await p.send('bulk', body)
    expect(sent.status).toBe(202)
    expect(await p.waitForCount('bulk', 24_000, 20_000)).toBe(24_000)
    const [stats] = await p.query(`SELECT count(DISTINCT _id) AS ids, min(_timestamp) AS first FROM ${db}.bulk`)
    expect(Number(stats!.ids)).toBe(24_000)
    expect(stats!.first).toBe(new Date(first).toISOString().replace('T', ' ').replace('Z', ''))
  })
})

describe('limits over real HTTP', () => {
  const headers = { 'x-api-key': 'pipeline-test-key', 'content-type': 'application/json' }

  test('a chunked body (no Content-Length) over 6 MB is refused with 413 JSON and nothing of it lands', async () => {
    const chunk = new TextEncoder().encode(`${JSON.stringify({ message: 'y'.repeat(1000) })},`)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('['))
      },
      pull(c) {
        // 20 MB offered in all; the server stops reading after 6 MB.
        if (sent > 20 * 1024 * 1024) return c.close()
        c.enqueue(chunk)
        sent += chunk.length
      },
    })
    const response = await fetch(`${p.sluice.url}/v1/chunked`, { method: 'POST', body, headers })
    expect(response.status).toBe(413)
    expect(((await response.json()) as { message: string }).message).toBe('Payload Too Large')
    await Bun.sleep(500)
    expect(await p.waitForCount('chunked', 1, 0)).toBe(0)
  })

  test('a Content-Length over 6 MB is refused with 413 JSON', async () => {
    const response = await fetch(`${p.sluice.url}/v1/big`, { method: 'POST', body: new Uint8Array(7 * 1024 * 1024).fill(32), headers })
    expect(response.status).toBe(413)
    expect(((await response.json()) as { message: string }).message).toBe('Payload Too Large')
  })

  test('a gzip body is inflated and lands', async () => {
    const response = await fetch(`${p.sluice.url}/v1/gz`, { method: 'POST', body: Bun.gzipSync(new TextEncoder().encode(specExample)), headers: { ...headers, 'content-encoding': 'gzip' } })
    expect(response.status).toBe(202)
    expect(await p.waitForCount('gz', 2)).toBe(2)
  })
})

describe('query route', () => {
  test('refuses writes and never runs them', async () => {
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: `DROP TABLE ${db}.logs`, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
    expect(response.status).toBe(403)
    expect(await p.waitForCount('logs', 2, 0)).toBe(2)
  })
  test('returns ClickHouse errors as 400 with their message', async () => {
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: `SELECT nope FROM ${db}.logs`, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { message: string; error: string }
    expect(body.message).toBe('Bad Request')
    expect(body.error).toContain('nope')
  })
  test('needs a query key', async () => {
    const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: 'SELECT 1' })
    expect(response.status).toBe(401)
  })
})

describe('operations', () => {
  test('health, readiness, metrics and API docs answer', async () => {
    expect((await fetch(`${p.sluice.url}/health`)).status).toBe(200)
    const ready = await fetch(`${p.sluice.url}/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', nats: true, clickhouse: true })
    const metrics = await (await fetch(`${p.sluice.url}/metrics`)).text()
    for (const name of ['sluice_http_requests_total', 'sluice_events_accepted_total', 'sluice_publish_duration_seconds', 'sluice_insert_duration_seconds', 'sluice_events_inserted_total', 'sluice_batcher_lag_events', 'sluice_ingest_inflight_bytes', 'sluice_batcher_held_bytes']) {
      expect(metrics).toContain(name)
    }
    const spec = (await (await fetch(`${p.sluice.url}/openapi/json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(spec.paths)).toContain('/v1/{dataset}')
  })
})

describe('NATS outage', () => {
  test('NATS stopped: 503 with Retry-After and nothing lost; after a restart events flow again', async () => {
    await p.nats.restart() // fresh state for the timing below
    await until(() => fetch(`${p.sluice.url}/ready`).then((r) => r.status === 200, () => false), 10_000, 'sluice to be connected to the restarted nats-server')
    p.nats.kill()
    await Bun.sleep(200)
    const down = await p.send('outage', '[{"message":"during outage"}]')
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('2')
    expect(down.body.message).toBe('Service Unavailable')
    const ready = await fetch(`${p.sluice.url}/ready`)
    expect(ready.status).toBe(503)
    await p.nats.restart()
    // The client reconnects by itself; a retried request then lands.
    let status = 0
    for (let i = 0; i < 50 && status !== 202; i++) {
      status = (await p.send('outage', '[{"message":"after outage"}]', { 'idempotency-key': 'after-outage' })).status
      if (status !== 202) await Bun.sleep(200)
    }
    expect(status).toBe(202)
    expect(await p.waitForCount('outage', 1)).toBe(1)
  })
})
