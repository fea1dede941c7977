// POST /otlp/v1/{logs,traces} in-process: statuses and bodies as OTLP/HTTP asks, encodings, keys,
// datasets, partial success named by record, parts past 6 MB, and ids derived from the body.
import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { InflightBudget } from '../../src/ingest/inflight-budget'
import { MAX_BODY_BYTES } from '../../src/ingest/limits'
import { post, TEST_KEY, testApp, unavailable } from '../support/app'
import { decodeLogsResponse, decodeStatus, logsRequest, nowNanos, protobufBody, spansRequest } from '../support/otlp-bodies'

const PROTOBUF = { 'content-type': 'application/x-protobuf' }
const record = (i: number, extra: Record<string, unknown> = {}) => ({ timeUnixNano: nowNanos(-i), body: { stringValue: `line ${i}` }, attributes: [{ key: 'i', value: { intValue: i } }], ...extra })

async function send(request: Request, app = testApp()) {
  const response = await app.app.handle(request)
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()), ...app }
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('OTLP/HTTP answers', () => {
  test('protobuf logs: 200 with an empty ExportLogsServiceResponse in protobuf; one row per record, in the default dataset', async () => {
    const { status, headers, bytes, publisher } = await send(post('/otlp/v1/logs', protobufBody('logs', logsRequest([record(0), record(1)])), PROTOBUF))
    expect(status).toBe(200)
    expect(headers.get('content-type')).toBe('application/x-protobuf')
    expect(bytes.length).toBe(0)
    expect(publisher.chunks.map((c) => c.dataset)).toEqual(['otel-logs'])
    const rows = publisher.rows()
    expect(rows.map((r) => r._raw.message)).toEqual(['line 0', 'line 1'])
    expect(rows.map((r) => r._service)).toEqual(['svc', 'svc'])
  })

  test('OTLP/JSON traces: 200 with {} in JSON, in otel-traces; x-dataset names another dataset', async () => {
    const body = JSON.stringify(spansRequest([{ name: 'GET /', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', kind: 2, startTimeUnixNano: nowNanos(-5), endTimeUnixNano: nowNanos() }]))
    const plain = await send(post('/otlp/v1/traces', body))
    expect([plain.status, plain.headers.get('content-type'), text(plain.bytes)]).toEqual([200, 'application/json', '{}'])
    expect(plain.publisher.chunks[0]!.dataset).toBe('otel-traces')
    expect(plain.publisher.rows()[0]!._raw).toMatchObject({ message: 'GET /', kind: 'SERVER', duration: 5, traceId: '0af7651916cd43dd8448eb211c80319c' })
    const named = await send(post('/otlp/v1/traces', body, { 'x-dataset': 'spans_2' }))
    expect(named.publisher.chunks[0]!.dataset).toBe('spans_2')
  })

  test('refused records: 200 with partial_success counting them and naming the first, in JSON and in protobuf', async () => {
    // Too deep for ClickHouse (each dot is a level), and too large: judged as events are.
    const deep = record(1, { attributes: [{ key: 'a.'.repeat(80) + 'b', value: { intValue: 1 } }] })
    const large = record(2, { body: { stringValue: 'x'.repeat(300 * 1024) } })
    const request = logsRequest([record(0), deep, large, record(3)])
    const json = await send(post('/otlp/v1/logs', JSON.stringify(request)))
    const answer = JSON.parse(text(json.bytes))
    expect(json.status).toBe(200)
    expect(answer.partialSuccess.rejectedLogRecords).toBe('2')
    expect(answer.partialSuccess.errorMessage).toStartWith('2 of 4 log records were refused: log record 1: ')
    expect(answer.partialSuccess.errorMessage).toContain('; log record 2: The event is ')
    expect(json.publisher.rows().map((r) => r._raw.message)).toEqual(['line 0', 'line 3'])
    const pb = await send(post('/otlp/v1/logs', protobufBody('logs', request), PROTOBUF))
    expect(decodeLogsResponse(pb.bytes).partialSuccess).toMatchObject({ rejectedLogRecords: 2 })
  })

  test('gzip, deflate and zstd bodies are read; another Content-Encoding is 415', async () => {
    const body = protobufBody('logs', logsRequest([record(0)]))
    for (const [encoding, compress] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync], ['zstd', zlib.zstdCompressSync]] as const) {
      const { status, publisher } = await send(post('/otlp/v1/logs', compress(body), { ...PROTOBUF, 'content-encoding': encoding }))
      expect([encoding, status, publisher.rows().length]).toEqual([encoding, 200, 1])
    }
    const refused = await send(post('/otlp/v1/logs', body, { ...PROTOBUF, 'content-encoding': 'br' }))
    expect(refused.status).toBe(415)
    expect(decodeStatus(refused.bytes).message).toContain('Content-Encoding "br" is not supported')
  })

  test('keys: x-api-key (which wins when both are sent) or Authorization: Bearer; anything else is 401 with a google.rpc.Status', async () => {
    const body = protobufBody('logs', logsRequest([record(0)]))
    expect((await send(post('/otlp/v1/logs', body, { ...PROTOBUF, 'x-api-key': 'nope', authorization: `Bearer ${TEST_KEY}` }))).status).toBe(401)
    const bearer = new Request('http://localhost/otlp/v1/logs', { method: 'POST', body, headers: { ...PROTOBUF, authorization: `Bearer ${TEST_KEY}` } })
    expect((await send(bearer)).status).toBe(200)
    const wrong = await send(post('/otlp/v1/logs', body, { ...PROTOBUF, 'x-api-key': 'nope' }))
    expect(wrong.status).toBe(401)
    expect(decodeStatus(wrong.bytes)).toMatchObject({ code: 16 })
  })

  test('415 for a Content-Type OTLP does not use; 400 for a bad x-dataset; 413 past 6 MB; 400 for a body that does not decode', async () => {
    const plain = await send(post('/otlp/v1/logs', '{}', { 'content-type': 'text/plain' }))
    expect([plain.status, JSON.parse(text(plain.bytes)).code]).toEqual([415, 3])
    expect((await send(post('/otlp/v1/logs', '{}', { 'x-dataset': 'no/slash' }))).status).toBe(400)
    const big = await send(post('/otlp/v1/logs', new Uint8Array(MAX_BODY_BYTES + 1), PROTOBUF))
    expect(big.status).toBe(413)
    const cut = protobufBody('logs', logsRequest([record(0)]))
    const broken = await send(post('/otlp/v1/logs', cut.subarray(0, cut.length - 3), PROTOBUF))
    expect(broken.status).toBe(400)
    expect(decodeStatus(broken.bytes).message).toStartWith('The body is not an ExportLogsServiceRequest in protobuf: ')
    const json = await send(post('/otlp/v1/traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"not hex"}]}]}]}'))
    expect(JSON.parse(text(json.bytes)).message).toBe(
      'The body is not an ExportTraceServiceRequest in OTLP/JSON: resourceSpans[0].scopeSpans[0].spans[0].spanId must be hex digits (OTLP/JSON writes ids in hex, not base64), but it is the string "not hex".',
    )
  })

  test('/otlp/v1/metrics is 404 with a sentence saying metrics are out of scope (a status exporters do not retry)', async () => {
    const { status, bytes } = await send(post('/otlp/v1/metrics', new Uint8Array(0), PROTOBUF))
    expect(status).toBe(404)
    expect(decodeStatus(bytes).message).toContain('metrics are out of scope')
  })

  test('an empty export is 200 and stores nothing', async () => {
    const { status, publisher } = await send(post('/otlp/v1/logs', '{}'))
    expect(status).toBe(200)
    expect(publisher.chunks).toHaveLength(0)
  })

  test('NATS down or the node over its budget: 503 with Retry-After, a Status saying so', async () => {
    const down = testApp()
    down.publisher.failWith = unavailable()
    const queue = await send(post('/otlp/v1/logs', protobufBody('logs', logsRequest([record(0)])), PROTOBUF), down)
    expect([queue.status, queue.headers.get('retry-after')]).toEqual([503, '2'])
    expect(decodeStatus(queue.bytes)).toMatchObject({ code: 14 })
    const budget = new InflightBudget(16 * 1024 * 1024)
    budget.tryTake(16 * 1024 * 1024 - 1000)
    const full = await send(post('/otlp/v1/logs', JSON.stringify(logsRequest([record(0)]))), testApp({ budget }))
    expect([full.status, full.headers.get('retry-after')]).toEqual([503, '2'])
    expect(JSON.parse(text(full.bytes)).message).toContain('in flight')
    expect(budget.usedBytes).toBe(16 * 1024 * 1024 - 1000)
  })
})

describe('exactly once without a key', () => {
  test('the same body gives the same ids and message ids; another body, dataset or Idempotency-Key gives others', async () => {
    const body = protobufBody('logs', logsRequest([record(0), record(1)]))
    const ids = async (bytes: Uint8Array, headers: Record<string, string> = {}) => {
      const { publisher } = await send(post('/otlp/v1/logs', bytes, { ...PROTOBUF, ...headers }))
      return { ids: publisher.rows().map((r) => r._id), messages: publisher.chunks.map((c) => c.msgId) }
    }
    const first = await ids(body)
    expect(await ids(body)).toEqual(first)
    // However it is compressed on the wire: the key is the digest of the body as inflated.
    expect(await ids(zlib.gzipSync(body), { 'content-encoding': 'gzip' })).toEqual(first)
    expect((await ids(protobufBody('logs', logsRequest([record(0), record(2)])))).ids).not.toEqual(first.ids)
    expect((await ids(body, { 'x-dataset': 'other' })).ids).not.toEqual(first.ids)
    const keyed = await ids(body, { 'idempotency-key': 'k-1' })
    expect(keyed.ids).not.toEqual(first.ids)
    expect(await ids(body, { 'idempotency-key': 'k-1' })).toEqual(keyed)
  })
})

describe('bodies that map to more than one ingest request', () => {
  test('events past 6 MB go in parts, each stored; refusals are named by the record index in the request', async () => {
    // Every record carries its 100 KB resource: 100 records are about 10 MB of events.
    const resource = [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'blob', value: { stringValue: 'r'.repeat(100 * 1024) } }]
    const records = [...Array(100)].map((_, i) => (i === 90 ? record(i, { attributes: [{ key: 'a.'.repeat(80), value: { intValue: 1 } }] }) : record(i)))
    const { status, bytes, publisher } = await send(post('/otlp/v1/logs', JSON.stringify(logsRequest(records, resource))))
    expect(status).toBe(200)
    const answer = JSON.parse(text(bytes)).partialSuccess
    expect(answer.rejectedLogRecords).toBe('1')
    expect(answer.errorMessage).toStartWith('1 of 100 log records were refused: log record 90: ')
    const stored = publisher.rows().map((r) => (r._raw.attributes as { i: number }).i)
    expect(stored).toEqual([...Array(100).keys()].filter((i) => i !== 90))
    expect(new Set(publisher.rows().map((r) => r._id)).size).toBe(99)
  })

  test('records whose events would pass 48 MB in all are refused whole (413) before anything is stored', async () => {
    const resource = [{ key: 'blob', value: { stringValue: 'r'.repeat(200 * 1024) } }]
    const { status, bytes, publisher } = await send(post('/otlp/v1/logs', JSON.stringify(logsRequest([...Array(300)].map((_, i) => record(i)), resource))))
    expect(status).toBe(413)
    expect(JSON.parse(text(bytes)).message).toContain('send fewer records per request')
    expect(publisher.chunks).toHaveLength(0)
  })
})
