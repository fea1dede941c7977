// Header values sluice stores or hashes are read as the UTF-8 text their bytes spell, as real clients
// send them (curl, and a raw socket for bytes no client library would send), and checked where they
// land: `_service` and `_namespace` in ClickHouse. Bytes that are not UTF-8 are a 400 that says so,
// and nothing of the request is stored.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

/** An ingest key beyond ASCII, configured (as environment variables are) as UTF-8 text. */
const UTF8_KEY = 'clé-ingest-ключ'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline({ API_KEYS: `${PIPELINE_KEY},${UTF8_KEY}` })
})
afterAll(async () => {
  await p?.stop()
})

/** curl, as a person runs it: header lines given as UTF-8 arguments, the body from an argument. */
async function curl(dataset: string, body: string, headers: string[], key = PIPELINE_KEY): Promise<{ status: number; body: any }> {
  const args = ['curl', '-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${p.sluice.url}/v1/${dataset}`, '-H', `x-api-key: ${key}`, '-H', 'content-type: application/json', '--data-binary', body]
  for (const h of headers) args.push('-H', h)
  const proc = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`curl failed (${code}): ${err}`)
  const cut = out.lastIndexOf('\n')
  return { status: Number(out.slice(cut + 1)), body: JSON.parse(out.slice(0, cut)) }
}

/** One request over a raw socket, a header line and the key given as bytes; returns the status and the JSON answer. */
function raw(dataset: string, body: string, header: Uint8Array, key: Uint8Array = Buffer.from(PIPELINE_KEY)): Promise<{ status: number; body: any }> {
  const head = Buffer.from(`POST /v1/${dataset} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`)
  const bytes = Buffer.concat([head, Buffer.from('x-api-key: '), key, Buffer.from('\r\n'), header, Buffer.from(`\r\n\r\n${body}`)])
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(Number(new URL(p.sluice.url).port), '127.0.0.1', () => socket.write(bytes))
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      const json = text.slice(text.indexOf('\r\n\r\n') + 4)
      resolve({ status, body: json === '' ? undefined : JSON.parse(json) })
    })
  })
}

const header = (name: string, value: number[]) => Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value)])

async function rows(dataset: string, expected: number) {
  expect(await p.waitForCount(dataset, expected)).toBe(expected)
  return p.query(`SELECT _service AS service, _namespace AS namespace, data.tag AS tag FROM ${p.clickhouse.database}.\`${dataset}\` ORDER BY tag`)
}

test('x-service and x-namespace sent as UTF-8 by curl are stored as the text sent, the same as an event naming that service', async () => {
  const body = JSON.stringify([{ tag: 'a' }, { tag: 'b', service: 'café', namespace: '日本/ü' }])
  const answer = await curl('utf8_curl', body, ['x-service: café', 'x-namespace: 日本/ü'])
  expect(answer).toEqual({ status: 202, body: { message: 'Request Accepted' } })
  expect(await rows('utf8_curl', 2)).toEqual([
    { service: 'café', namespace: '日本/ü', tag: 'a' },
    { service: 'café', namespace: '日本/ü', tag: 'b' },
  ])
  const services = await p.query(`SELECT DISTINCT _service AS s FROM ${p.clickhouse.database}.utf8_curl`)
  expect(services).toEqual([{ s: 'café' }])
}, 20_000)

test('four-byte characters and a byte-order mark in a header are kept as sent', async () => {
  const answer = await raw('utf8_raw', '[{"tag":"a"}]', Buffer.concat([header('x-service', [0xf0, 0x9f, 0x98, 0x80, 0x2d, 0x73]), Buffer.from('\r\n'), header('x-namespace', [0xef, 0xbb, 0xbf, 0x6e])]))
  expect(answer.status).toBe(202)
  expect(await rows('utf8_raw', 1)).toEqual([{ service: '😀-s', namespace: '\ufeffn', tag: 'a' }])
}, 20_000)

test.each([
  ['a Latin-1 byte', [0x63, 0x61, 0x66, 0xe9]],
  ['a cut sequence', [0x63, 0xc3]],
  ['an overlong encoding', [0xc0, 0xaf]],
  ['a surrogate', [0xed, 0xa0, 0x80]],
  ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['bytes that are never UTF-8', [0xff, 0xfe]],
])('x-service, x-namespace or Idempotency-Key with %s: 400 naming the header, and nothing stored', async (_what, bytes) => {
  for (const name of ['x-service', 'x-namespace', 'Idempotency-Key']) {
    const dataset = `utf8_bad_${name.toLowerCase().replace(/-/g, '_')}`
    const answer = await raw(dataset, '[{"tag":"bad"}]', header(name, bytes))
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe('Bad Request')
    expect(answer.body.error).toContain(`${name.toLowerCase()} header is not UTF-8`)
  }
  await Bun.sleep(500)
  const tables = await p.query(`SELECT name FROM system.tables WHERE database = '${p.clickhouse.database}' AND name LIKE 'utf8_bad_%'`)
  expect(tables).toEqual([])
}, 20_000)

test('a UTF-8 Idempotency-Key makes a retry land once, and another key (even one spelling the same Latin-1 characters) lands apart', async () => {
  const body = '[{"tag":"k"}]'
  const key = header('Idempotency-Key', [...Buffer.from('clé-1')])
  for (let i = 0; i < 2; i++) expect((await raw('utf8_keyed', body, key)).status).toBe(202)
  expect((await curl('utf8_keyed', body, ['Idempotency-Key: clé-1'])).status).toBe(202)
  expect((await curl('utf8_keyed', body, ['Idempotency-Key: clÃ©-1'])).status).toBe(202)
  await p.waitForCount('utf8_keyed', 2)
  // Time for a wrongly stored third to land too.
  await Bun.sleep(700)
  const [row] = await p.query(`SELECT count() AS n, uniqExact(_id) AS ids FROM ${p.clickhouse.database}.utf8_keyed`)
  expect({ n: Number(row!.n), ids: Number(row!.ids) }).toEqual({ n: 2, ids: 2 })
}, 20_000)

test('an ingest key beyond ASCII, configured as text, opens /v1 when sent as UTF-8; its Latin-1 bytes do not', async () => {
  expect(await curl('utf8_key', '[{"tag":"k"}]', [], UTF8_KEY)).toEqual({ status: 202, body: { message: 'Request Accepted' } })
  expect((await curl('utf8_key', '[{"tag":"k"}]', [], Buffer.from(UTF8_KEY).toString('latin1'))).status).toBe(401)
  // The key's é as the one Latin-1 byte 0xE9: not UTF-8, so no key.
  const latin1 = await raw('utf8_key', '[{"tag":"k"}]', Buffer.from('x-service: s'), Buffer.from('clé-ingest-', 'latin1'))
  expect(latin1.status).toBe(401)
  expect(await p.waitForCount('utf8_key', 1)).toBe(1)
}, 20_000)

test('fetch sends é as the Latin-1 byte: refused, naming the header; the UTF-8 bytes sent as the README shows are stored as café', async () => {
  const send = (service: string) =>
    fetch(`${p.sluice.url}/v1/utf8_fetch`, { method: 'POST', body: '[{"tag":"f"}]', headers: { 'x-api-key': PIPELINE_KEY, 'content-type': 'application/json', 'x-service': service } })
  const refused = await send('café')
  expect(refused.status).toBe(400)
  expect(((await refused.json()) as any).error).toContain('x-service header is not UTF-8')
  const sent = await send(String.fromCharCode(...new TextEncoder().encode('café')))
  expect(sent.status).toBe(202)
  expect(await rows('utf8_fetch', 1)).toEqual([{ service: 'café', namespace: '', tag: 'f' }])
}, 20_000)
