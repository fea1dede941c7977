// Every status code and body of the spec's tables, in-process through app.handle.
import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { WrongRoleError } from '../../src/errors'
import { post, testApp, unavailable } from '../support/app'
import { specExample } from '../support/spec-example'


async function send(request: Request, app = testApp()) {
  const response = await app.app.handle(request)
  return { status: response.status, body: (await response.json()) as Record<string, any>, headers: response.headers, ...app }
}

describe('202 Request Accepted', () => {
  test("the spec's curl example is accepted and both events are queued with service and namespace", async () => {
    const { status, body, publisher } = await send(post('/v1/logs', specExample, { 'x-service': 'my-service' }))
    expect(status).toBe(202)
    expect(body).toEqual({ message: 'Request Accepted' })
    const rows = publisher.rows()
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => r._service)).toEqual(['my-service', 'my-service'])
    // The event's own namespace wins over the (absent) header.
    expect(rows.map((r) => r._namespace)).toEqual(['https://api.domain.com/resource/{id}', ''])
    expect(publisher.chunks[0]!.dataset).toBe('logs')
  })

  test('events are queued byte for byte as sent', async () => {
    const events = ['{ "a" : 1.50 ,"b":null}', '{"u":"\\u00e9 é 😀","s":"]},\\"["}', '{"nested":{"deep":[[[{}]]]}}']
    const { status, publisher } = await send(post('/v1/logs', `[\n  ${events.join(' ,\n  ')}\n]`))
    expect(status).toBe(202)
    expect(publisher.rawTexts()).toEqual(events)
  })

  test('headers fill service and namespace unless the event has its own', async () => {
    const body = JSON.stringify([{ a: 1 }, { service: 'own-svc' }, { namespace: 'own-ns' }])
    const { publisher } = await send(post('/v1/logs', body, { 'x-service': 'hdr-svc', 'x-namespace': 'hdr-ns' }))
    expect(publisher.rows().map((r) => [r._service, r._namespace])).toEqual([['hdr-svc', 'hdr-ns'], ['own-svc', 'hdr-ns'], ['hdr-svc', 'own-ns']])
  })

  test("the event's own timestamp becomes _timestamp, else the time received", async () => {
    const before = Date.now()
    const body = JSON.stringify([{ timestamp: '2024-05-01T12:00:00.123Z' }, { timestamp: 1714564800000 }, {}])
    const { publisher } = await send(post('/v1/logs', body))
    const [a, b, c] = publisher.rows()
    expect(a!._timestamp).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 123))
    expect(b!._timestamp).toBe(1714564800000)
    expect(c!._timestamp).toBeGreaterThanOrEqual(before)
    expect(c!._timestamp).toBeLessThanOrEqual(Date.now())
  })

  test('a retry with the same Idempotency-Key carries the same ids; without one, ids differ', async () => {
    const app = testApp()
    for (let i = 0; i < 2; i++) await app.app.handle(post('/v1/logs', '[{"a":1},{"b":2}]', { 'idempotency-key': 'req-42' }))
    const rows = app.publisher.rows()
    expect(rows[0]!._id).toBe(rows[2]!._id)
    expect(app.publisher.chunks[0]!.msgId).toBe(app.publisher.chunks[1]!.msgId)
    await app.app.handle(post('/v1/logs', '[{"a":1}]'))
    await app.app.handle(post('/v1/logs', '[{"a":1}]'))
    const fresh = app.publisher.rows().slice(4)
    expect(fresh[0]!._id).not.toBe(fresh[1]!._id)
  })

  test.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['zstd', zlib.zstdCompressSync],
  ] as const)('accepts a %s-compressed body', async (encoding, compress) => {
    const { status, publisher } = await send(post('/v1/logs', compress(specExample), { 'content-encoding': encoding }))
    expect(status).toBe(202)
    expect(publisher.rows()).toHaveLength(2)
  })

  test('accepts dataset names at the edges of the rule', async () => {
    for (const name of ['a', '0', 'A-b_c', 'x'.repeat(64)]) expect((await send(post(`/v1/${name}`, '[{}]'))).status).toBe(202)
  })
})

describe('400 Bad Request', () => {
  test.each(['/v1', '/v1/', '/v2/x', '/v1/a/b', '/', '/events'])('an invalid path %s is 400 and queues nothing', async (path) => {
    const { status, body, publisher } = await send(post(path, specExample))
    expect(status).toBe(400)
    expect(body.message).toBe('Bad Request')
    expect(publisher.chunks).toHaveLength(0)
  })

  test.each(['-logs', '_logs', 'a.b', 'a%20b', 'x'.repeat(65), '%C3%A9t%C3%A9'])('an invalid dataset name %s is 400 and never reaches SQL', async (name) => {
    const { status, body, publisher } = await send(post(`/v1/${name}`, specExample))
    expect(status).toBe(400)
    expect(body.message).toBe('Bad Request')
    expect(body.error).toContain('not a valid dataset name')
    expect(publisher.chunks).toHaveLength(0)
  })

  test.each([
    ['an empty body', '', 'empty'],
    ['whitespace', '   \n', 'only whitespace'],
    ['not JSON', 'hello', 'JSON array'],
    ['an object', '{"message":"x"}', 'JSON array'],
    ['a truncated array', '[{"a":1},{"b":', 'truncated'],
    ['an empty array', '[]', 'empty array'],
    ['text after the array', '[{"a":1}] trailing', 'after'],
  ])('%s is 400 with nothing queued', async (_, body, words) => {
    const result = await send(post('/v1/logs', body))
    expect(result.status).toBe(400)
    expect(result.body.message).toBe('Bad Request')
    expect(result.body.error.toLowerCase()).toContain(words.toLowerCase())
    expect(result.publisher.chunks).toHaveLength(0)
  })

  test('a malformed event is listed under invalid and its neighbours are still queued', async () => {
    const { status, body, publisher } = await send(post('/v1/logs', '[{"a":1}, {"b": }, {"c":3}, nope, "text", 42, {"d":4}]'))
    expect(status).toBe(400)
    expect(body.message).toBe('Bad Request')
    expect(body.accepted).toBe(3)
    expect(body.invalid.map((e: { index: number }) => e.index)).toEqual([1, 3, 4, 5])
    expect(body.invalid[0].error).toContain('not valid JSON')
    expect(body.invalid[2].error).toBe('The event must be a JSON object, but it is the string "text".')
    expect(body.invalid[3].error).toBe('The event must be a JSON object, but it is the number 42.')
    expect(publisher.rawTexts()).toEqual(['{"a":1}', '{"c":3}', '{"d":4}'])
    expect(publisher.rows().map((r) => r._id.split('-')[1])).toEqual(['0', '2', '6'])
  })

  test('an event of 256 KB or more is refused on its own; the others are queued', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(256 * 1024) })
    const { status, body, publisher } = await send(post('/v1/logs', `[{"a":1},${big},{"b":2}]`))
    expect(status).toBe(400)
    expect(body.invalid).toEqual([{ index: 1, bytes: big.length, error: `The event is ${big.length} bytes; an event must be smaller than 262144 bytes (256 KB).` }])
    expect(publisher.rows()).toHaveLength(2)
  })

  test('an event of exactly 262,144 bytes is refused: the spec says smaller than 256 KB', async () => {
    const exact = `{"m":"${'x'.repeat(256 * 1024 - 8)}"}`
    expect(exact.length).toBe(262_144)
    const justUnder = exact.slice(0, 6) + exact.slice(7)
    const { status, body, publisher } = await send(post('/v1/logs', `[${exact},${justUnder}]`))
    expect(status).toBe(400)
    expect(body.invalid).toEqual([{ index: 0, bytes: 262_144, error: 'The event is 262144 bytes; an event must be smaller than 262144 bytes (256 KB).' }])
    expect(publisher.rawTexts()).toEqual([justUnder])
  })

  test('an event with a badly typed well-known field is listed with the field and a sentence', async () => {
    const { status, body, publisher } = await send(post('/v1/logs', '[{"duration":"slow"},{"timestamp":"yesterday"},{"ok":true}]'))
    expect(status).toBe(400)
    expect(body.invalid).toEqual([
      { index: 0, field: 'duration', error: 'Field "duration" must be a number, but it is the string "slow".' },
      { index: 1, field: 'timestamp', error: expect.stringContaining('Field "timestamp" must be an ISO 8601 date-time string') },
    ])
    expect(publisher.rows()).toHaveLength(1)
  })

  test('a repeated well-known field is refused naming it, in an array and in NDJSON, read in one pass or parsed', async () => {
    // The escaped key sends its event to the exact path; the others are read in the single pass.
    const events = ['{"service":"first","service":"second"}', '{"servic\\u0065":"first","service":"second"}', '{"namespace":"a","namespace":"b"}', '{"timestamp":1781521200000,"timestamp":1781521200000}', '{"service":"s","ok":true}']
    const repeated = (field: string) => ({ field, error: `Field "${field}" appears more than once in the event; send it once (JSON readers disagree on which of the values counts).` })
    for (const [body, headers] of [[`[${events.join(',')}]`, {}], [events.join('\n'), { 'content-type': 'application/x-ndjson' }]] as const) {
      const answer = await send(post('/v1/logs', body, headers))
      expect(answer.status).toBe(400)
      expect(answer.body.invalid).toEqual([
        { index: 0, ...repeated('service') },
        { index: 1, ...repeated('service') },
        { index: 2, ...repeated('namespace') },
        { index: 3, ...repeated('timestamp') },
      ])
      expect(answer.publisher.rows().map((r) => r._service)).toEqual(['s'])
    }
  })

  test('when every event is invalid nothing is queued', async () => {
    const { status, body, publisher } = await send(post('/v1/logs', '[1, 2]'))
    expect(status).toBe(400)
    expect(body.accepted).toBe(0)
    expect(body.invalid).toHaveLength(2)
    expect(publisher.chunks).toHaveLength(0)
  })
})

describe('401 Unauthorised', () => {
  test.each([[{}], [{ 'x-api-key': '' }], [{ 'x-api-key': 'wrong' }]])('a missing or wrong key (%p) is 401 and queues nothing', async (headers) => {
    const request = new Request('http://localhost/v1/logs', { method: 'POST', body: specExample, headers })
    const { status, body, publisher } = await send(request)
    expect(status).toBe(401)
    expect(body).toEqual({ message: 'Unauthorised' })
    expect(publisher.chunks).toHaveLength(0)
  })
})

describe('405 Method Not Allowed', () => {
  test.each(['GET', 'PUT', 'DELETE', 'PATCH'])('%s on /v1/<dataset> is 405', async (method) => {
    const { status, body } = await send(post('/v1/logs', method === 'GET' ? null : '[]', {}, method))
    expect(status).toBe(405)
    expect(body).toEqual({ message: 'Method Not Allowed' })
  })
})

describe('size limits', () => {
  test('a body over 6 MB is refused with 413 and nothing of it is queued', async () => {
    const events = Array.from({ length: 30_000 }, (_, i) => ({ i, message: 'x'.repeat(200) }))
    const body = JSON.stringify(events)
    expect(body.length).toBeGreaterThan(6 * 1024 * 1024)
    const { status, body: answer, publisher } = await send(post('/v1/logs', body))
    expect(status).toBe(413)
    expect(answer.message).toBe('Payload Too Large')
    expect(answer.error).toContain('6291456 bytes')
    expect(publisher.chunks).toHaveLength(0)
  })

  test('a body just under 6 MB is accepted whole', async () => {
    const events = Array.from({ length: 25_000 }, (_, i) => ({ i, message: 'x'.repeat(200) }))
    const { status, publisher } = await send(post('/v1/logs', JSON.stringify(events)))
    expect(status).toBe(202)
    expect(publisher.rows()).toHaveLength(25_000)
    expect(publisher.chunks.length).toBeGreaterThan(1)
  })

  test('a gzip bomb is refused with 413 without inflating it', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, '[{"a":1},'))
    const started = performance.now()
    const { status } = await send(post('/v1/logs', bomb, { 'content-encoding': 'gzip' }))
    expect(status).toBe(413)
    expect(performance.now() - started).toBeLessThan(2000)
  })

  test('an unknown Content-Encoding is 415 naming the supported ones', async () => {
    const { status, body } = await send(post('/v1/logs', specExample, { 'content-encoding': 'br' }))
    expect(status).toBe(415)
    expect(body.error).toContain('gzip')
  })
})

describe('503 and 500', () => {
  test('NATS down: 503 with Retry-After, and the client is told to retry', async () => {
    const app = testApp()
    app.publisher.failWith = unavailable()
    const { status, body, headers } = await send(post('/v1/logs', specExample), app)
    expect(status).toBe(503)
    expect(headers.get('retry-after')).toBe('2')
    expect(body.message).toBe('Service Unavailable')
    expect(body.error).toContain('retry')
  })

  test('a batcher-only node says where events go instead', async () => {
    const app = testApp({ ingest: () => Promise.reject(new WrongRoleError('This node runs ROLE=batcher and takes no events.')) })
    const { status, body } = await send(post('/v1/logs', specExample), app)
    expect(status).toBe(503)
    expect(body).toEqual({ message: 'Service Unavailable', error: 'This node runs ROLE=batcher and takes no events.' })
  })

  test('an unexpected fault is 500 Internal Error, with no detail leaked', async () => {
    const app = testApp()
    app.publisher.failWith = new Error('secret internal detail')
    const { status, body } = await send(post('/v1/logs', specExample), app)
    expect(status).toBe(500)
    expect(body).toEqual({ message: 'Internal Error' })
  })
})

describe('metrics', () => {
  test('count requests by status and events accepted and rejected', async () => {
    const app = testApp()
    await app.app.handle(post('/v1/logs', '[{"a":1},5]'))
    await app.app.handle(post('/v1/logs', '[{"a":1}]', { 'x-api-key': 'nope' }))
    const text = await (await app.app.handle(new Request('http://localhost/metrics'))).text()
    expect(text).toContain('sluice_http_requests_total{route="events",status="400"} 1')
    expect(text).toContain('sluice_http_requests_total{route="events",status="401"} 1')
    expect(text).toContain('sluice_events_accepted_total 1')
    expect(text).toContain('sluice_events_rejected_total 1')
  })
})
