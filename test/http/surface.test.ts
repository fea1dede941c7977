// The surface people meet first: the offline API reference and its document, CORS on /v1 only,
// 404 / 405 answers that say where to look, the access log, and metrics names. In-process (app.handle).
import { describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { LINE_MEDIA_TYPES } from '../../src/ingest/framing/body-format'
import { createLogger } from '../../src/log'
import { Metrics } from '../../src/metrics'
import { TEST_QUERY_KEY, post, testApp as app } from '../support/app'

const get = (path: string, init: RequestInit = {}) => new Request(`http://localhost${path}`, init)

describe('/openapi works without internet', () => {
  test('the page loads its viewer from sluice itself, with web fonts and telemetry off', async () => {
    const { app: a } = app()
    const html = await (await a.handle(get('/openapi'))).text()
    // Every URL the page references is local: no CDN, no font host.
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(urls).toEqual(['/openapi/viewer.js'])
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/)
    const config = JSON.parse(html.match(/data-configuration='([^']*)'/)![1]!)
    expect(config).toMatchObject({ withDefaultFonts: false, telemetry: false, agent: { disabled: true } })
    const script = await a.handle(get('/openapi/viewer.js'))
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toContain('javascript')
    const npm = Bun.file(Bun.resolveSync('@scalar/api-reference/browser/standalone.js', import.meta.dir))
    expect((await script.arrayBuffer()).byteLength).toBe(npm.size)
  })
})

describe('the OpenAPI document', () => {
  const doc = async () => (await (await app().app.handle(get('/openapi/json'))).json()) as any

  test('is a valid OpenAPI 3.1 document (the viewer\'s own validator: @scalar/openapi-parser, which @scalar/api-reference brings)', async () => {
    const { validate } = await import('@scalar/openapi-parser')
    const result = await validate(await doc())
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  test('declares x-api-key as two security schemes: the ingest key for /v1, the query key for /query', async () => {
    const d = await doc()
    expect(d.components.securitySchemes.ingestKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' })
    expect(d.components.securitySchemes.queryKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' })
    expect(d.paths['/v1/{dataset}'].post.security).toEqual([{ ingestKey: [] }])
    expect(d.paths['/query'].post.security).toEqual([{ queryKey: [] }])
  })

  test('declares the headers, the dataset pattern and both body types of POST /v1/<dataset>', async () => {
    const op = (await doc()).paths['/v1/{dataset}'].post
    const names = op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)
    expect(names).toEqual(['path:dataset', 'header:x-service', 'header:x-namespace', 'header:Idempotency-Key', 'header:Content-Encoding'])
    expect(op.parameters[0].schema.pattern).toBe('^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')
    expect(Object.keys(op.requestBody.content)).toEqual(['application/json', ...LINE_MEDIA_TYPES])
  })

  test('lists every status each route can answer, with a body schema, and Retry-After / Allow where sent', async () => {
    const d = await doc()
    const events = d.paths['/v1/{dataset}'].post.responses
    expect(Object.keys(events).sort()).toEqual(['202', '400', '401', '405', '413', '415', '500', '503'])
    const query = d.paths['/query'].post.responses
    expect(Object.keys(query).sort()).toEqual(['200', '400', '401', '403', '405', '413', '429', '500', '503'])
    for (const responses of [events, query]) {
      for (const [status, r] of Object.entries<any>(responses)) {
        expect(r.content['application/json'].schema, status).toBeDefined()
      }
    }
    expect(events['503'].headers['Retry-After']).toBeDefined()
    expect(query['429'].headers['Retry-After']).toBeDefined()
    expect(events['405'].headers.Allow).toBeDefined()
    expect(Object.keys(d.paths['/ready'].get.responses)).toEqual(['200', '503'])
  })

  test("the document's own examples work when sent: the request example is 202 and its events are stored", async () => {
    const a = app()
    const d = (await (await a.app.handle(get('/openapi/json'))).json()) as any
    const op = d.paths['/v1/{dataset}'].post
    const dataset = op.parameters[0].example
    const headers: Record<string, string> = { 'x-service': op.parameters[1].schema.examples[0], 'Idempotency-Key': op.parameters[3].schema.examples[0] }
    for (const example of Object.values<any>(op.requestBody.content['application/json'].examples)) {
      const response = await a.app.handle(post(`/v1/${dataset}`, JSON.stringify(example.value), headers))
      expect(response.status).toBe(202)
      expect(await response.json()).toEqual(op.responses['202'].content['application/json'].examples.accepted.value)
    }
    expect(a.publisher.rows()).toHaveLength(2)
    for (const type of LINE_MEDIA_TYPES) {
      const example = op.requestBody.content[type].examples["the spec's example"].value
      const response = await a.app.handle(post(`/v1/${dataset}`, example, { ...headers, 'content-type': type }))
      expect(response.status, type).toBe(202)
    }
    expect(a.publisher.rows()).toHaveLength(2 + 2 * LINE_MEDIA_TYPES.length)
    // The 400 examples are what sluice says: the invalid-event one is reproduced by its request.
    const bad = await a.app.handle(post('/v1/logs', '[{"ok":1},{"duration":"slow"}]'))
    expect(await bad.json()).toEqual(op.responses['400'].content['application/json'].examples['some events invalid'].value)
  })
})

describe('CORS on /v1/<dataset> only', () => {
  const preflight = (path: string, origin = 'https://shop.example') =>
    get(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type, idempotency-key' } })

  test('a preflight is answered 204 with the methods and headers a browser sender needs (default: any origin)', async () => {
    const response = await app().app.handle(preflight('/v1/logs'))
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-allow-methods')).toBe('POST')
    expect(response.headers.get('access-control-allow-headers')!.split(', ').sort()).toEqual(['content-encoding', 'content-type', 'idempotency-key', 'x-api-key', 'x-namespace', 'x-service'])
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
  })

  test('a POST from a browser gets the grant and may read Retry-After', async () => {
    const response = await app().app.handle(post('/v1/logs', '[{"a":1}]', { origin: 'https://shop.example' }))
    expect(response.status).toBe(202)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-expose-headers')).toBe('retry-after')
  })

  test('a preflight is not a 405: it never reaches the events route', async () => {
    const a = app()
    await a.app.handle(preflight('/v1/logs'))
    const text = await (await a.app.handle(get('/metrics'))).text()
    expect(text).not.toContain('status="405"')
    expect(text).toContain('sluice_http_request_duration_seconds_count{route="cors_preflight"} 1')
  })

  test('with CORS_ORIGINS listed, only those origins are granted, echoed with Vary: Origin', async () => {
    const { app: a } = app({ corsOrigins: ['https://shop.example'] })
    const ok = await a.handle(preflight('/v1/logs'))
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(ok.headers.get('vary')).toBe('Origin')
    const other = await a.handle(preflight('/v1/logs', 'https://evil.example'))
    expect(other.status).toBe(204)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const sent = await a.handle(post('/v1/logs', '[{"a":1}]', { origin: 'https://evil.example' }))
    expect(sent.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('with CORS_ORIGINS=none nothing is granted', async () => {
    const { app: a } = app({ corsOrigins: [] })
    const response = await a.handle(preflight('/v1/logs'))
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect((await a.handle(post('/v1/logs', '[{"a":1}]', { origin: 'https://shop.example' }))).headers.get('access-control-allow-origin')).toBeNull()
  })

  test.each(['/query', '/', '/metrics', '/openapi/json', '/ready'])('%s gets no CORS headers, to a preflight or a request', async (path) => {
    const { app: a } = app()
    for (const request of [preflight(path), get(path, { headers: { origin: 'https://shop.example' } }), get(path, { method: 'POST', headers: { origin: 'https://shop.example', 'x-api-key': TEST_QUERY_KEY }, body: 'SELECT 1' })]) {
      const response = await a.handle(request)
      for (const [name] of response.headers) expect(name).not.toStartWith('access-control-')
    }
  })
})

describe('404 and 405 say where to look', () => {
  test.each(['/', '/nope', '/favicon.ico', '/v2/x', '/api/v1/logs'])('GET %s is 404 with where to look', async (path) => {
    const response = await app().app.handle(get(path))
    expect(response.status).toBe(404)
    const body = (await response.json()) as any
    expect(body.message).toBe('Not Found')
    expect(body.error).toContain('/openapi')
    expect(body.see.send).toContain('POST /v1/<dataset>')
  })

  test.each([['/v1'], ['/v1/a/b'], ['/v1/'], ['/v2/logs'], ['/logs']])('POST %s is 400, as the spec says of a missing or invalid path parameter', async (path) => {
    const response = await app().app.handle(post(path, '[]'))
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).error).toContain('POST /v1/<dataset>')
  })

  test.each([
    ['GET', '/v1/logs', 'POST, OPTIONS'],
    ['DELETE', '/v1/logs', 'POST, OPTIONS'],
    ['GET', '/query', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['POST', '/ready', 'GET, HEAD'],
    ['DELETE', '/metrics', 'GET, HEAD'],
    ['POST', '/openapi', 'GET, HEAD'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const response = await app().app.handle(get(path, { method }))
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe(allow)
    expect(((await response.json()) as any).message).toBe('Method Not Allowed')
  })
})

describe('access log', () => {
  const capture = (level: string) => {
    const lines: string[] = []
    const destination = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) })
    return { logger: createLogger(level, 'json', destination), lines }
  }
  const flushed = () => Bun.sleep(20)

  test('at debug, each request is one line: method, path, status, bytes, events, duration, and the reason of a refusal', async () => {
    const { logger, lines } = capture('debug')
    const { app: a } = app({ logger })
    await a.handle(post('/v1/logs', '[{"ok":1},{"duration":"slow"}]'))
    await a.handle(post('/v1/logs', '[{"ok":1}]', { 'x-api-key': 'wrong' }))
    await a.handle(post('/v1/a-b?x=1', '[{"ok":1}]'))
    await flushed()
    const entries = lines.map((l) => JSON.parse(l))
    expect(entries).toHaveLength(3)
    expect(entries[0]).toMatchObject({ level: 20, method: 'POST', path: '/v1/logs', route: 'events', status: 400, bodyBytes: 30, accepted: 1, rejected: 1 })
    expect(entries[0].ms).toBeNumber()
    expect(entries[0].bytesOut).toBeGreaterThan(50)
    expect(entries[0].reason).toBe('event 1: Field "duration" must be a number, but it is the string "slow".')
    expect(entries[1]).toMatchObject({ status: 401, reason: 'Unauthorised' })
    expect(entries[2]).toMatchObject({ path: '/v1/a-b', status: 202, accepted: 1, rejected: 0 })
    expect(entries[2].msg).toBe(`POST /v1/a-b 202 in ${entries[2].ms} ms`)
  })

  test('above debug nothing is logged per request', async () => {
    const { logger, lines } = capture('info')
    const { app: a } = app({ logger })
    await a.handle(post('/v1/logs', '[{"ok":1}]', { 'x-api-key': 'wrong' }))
    await flushed()
    expect(lines).toEqual([])
  })
})

describe('logs', () => {
  test('pretty lines on a terminal or when asked; JSON lines otherwise', async () => {
    const { isPretty } = await import('../../src/log')
    expect(isPretty('auto', true)).toBe(true)
    expect(isPretty('auto', false)).toBe(false)
    expect(isPretty('json', true)).toBe(false)
    expect(isPretty('pretty', false)).toBe(true)
    const lines: string[] = []
    const logger = createLogger('info', 'pretty', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }))
    logger.info({ port: 3000 }, 'sluice is running')
    expect(lines.join('')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: sluice is running \{"port":3000\}\n$/)
  })
})

describe('metrics', () => {
  test('standard process metrics keep their names, and no gauge ends in _total', async () => {
    const text = await new Metrics({ processMetrics: true }).registry.metrics()
    expect(text).toContain('# TYPE process_cpu_seconds_total counter')
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge')
    expect(text).not.toContain('sluice_process_')
    const gauges = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]!)
    expect(gauges.filter((g) => g.endsWith('_total'))).toEqual([])
  })

  test('the latency histogram counts cumulatively, with +Inf, _sum and _count per route', async () => {
    const m = new Metrics()
    m.observeLatency('query', 0.003)
    m.observeLatency('query', 20)
    const text = await m.registry.metrics()
    expect(text).toContain('# TYPE sluice_http_request_duration_seconds histogram')
    expect(text).toContain('sluice_http_request_duration_seconds_bucket{le="0.001",route="query"} 0')
    expect(text).toContain('sluice_http_request_duration_seconds_bucket{le="0.005",route="query"} 1')
    expect(text).toContain('sluice_http_request_duration_seconds_bucket{le="10",route="query"} 1')
    expect(text).toContain('sluice_http_request_duration_seconds_bucket{le="+Inf",route="query"} 2')
    expect(text).toContain('sluice_http_request_duration_seconds_sum{route="query"} 20.003')
    expect(text).toContain('sluice_http_request_duration_seconds_count{route="query"} 2')
    expect(text).not.toContain('route="events"')
  })

  test('an HTTP latency histogram per route', async () => {
    const a = app()
    await a.app.handle(post('/v1/logs', '[{"a":1}]'))
    await a.app.handle(get('/health'))
    const text = await (await a.app.handle(get('/metrics'))).text()
    expect(text).toContain('sluice_http_request_duration_seconds_count{route="events"} 1')
    expect(text).toContain('sluice_http_request_duration_seconds_count{route="health"} 1')
    expect(text).toContain('sluice_http_requests_total{route="events",status="202"} 1')
  })
})

describe('configuration of the surface', () => {
  test('CORS_ORIGINS: * by default (the ingest key is public), none, or exact origins; a path or trailing slash is refused', async () => {
    const { loadConfig } = await import('../../src/config')
    expect(loadConfig({}).corsOrigins).toBe('*')
    expect(loadConfig({ CORS_ORIGINS: 'none' }).corsOrigins).toEqual([])
    expect(loadConfig({ CORS_ORIGINS: 'https://shop.example, http://localhost:5173' }).corsOrigins).toEqual(['https://shop.example', 'http://localhost:5173'])
    expect(() => loadConfig({ CORS_ORIGINS: 'https://shop.example/' })).toThrow(/CORS_ORIGINS="https:\/\/shop.example\/".*trailing slash/)
    expect(() => loadConfig({ CORS_ORIGINS: 'shop.example' })).toThrow(/CORS_ORIGINS/)
  })

  test('LOG_FORMAT: auto by default, json or pretty', async () => {
    const { loadConfig } = await import('../../src/config')
    expect(loadConfig({}).logFormat).toBe('auto')
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json')
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT="xml": must be one of auto, json, pretty/)
  })
})
