// Whatever the request target, the route a request is counted and logged under, and whether it gets
// CORS, are those of the route the router ran. Sent over a real socket, since odd targets (no Host,
// absolute form, dot segments, a fragment) never survive a Request object built in a test.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { createLogger } from '../../src/log'
import { Metrics } from '../../src/metrics'
import { TEST_KEY, TEST_QUERY_KEY, testApp as surfaceApp } from '../support/app'

const lines: string[] = []
const logger = createLogger('debug', 'json', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }))
let metrics: Metrics
let server: { port: number; stop(): void }
let app: ReturnType<typeof surfaceApp>['app']

beforeAll(() => {
  metrics = new Metrics()
  app = surfaceApp({ logger, metrics }).app
  app.listen({ port: 0, hostname: '127.0.0.1' })
  server = { port: app.server!.port!, stop: () => app.stop(true) }
})
afterAll(() => server?.stop())

interface Exchange {
  status: number
  headers: Record<string, string | undefined>
  body: string
}

/** One request, written as given; `Connection: close` ends it. */
function send(head: string, body = ''): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(server.port, '127.0.0.1', () => socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`))
    socket.on('data', (d) => (received += d.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => {
      const [top, ...rest] = received.split('\r\n\r\n')
      const [status, ...fields] = top!.split('\r\n')
      const headers = Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]))
      resolve({ status: Number(status!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') })
    })
  })
}

/** Requests counted per route by the handlers that ran (the events and query routes count their own answers). */
async function handlerCounts(): Promise<Record<string, number>> {
  const text = await metrics.registry.metrics()
  const counts: Record<string, number> = {}
  for (const m of text.matchAll(/^sluice_http_requests_total\{route="(\w+)",status="\d+"\} (\d+)/gm)) counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2])
  return counts
}

/** Latency observations per route, as the request surface names routes. */
async function surfaceCounts(): Promise<Record<string, number>> {
  const text = await metrics.registry.metrics()
  return Object.fromEntries([...text.matchAll(/^sluice_http_request_duration_seconds_count\{route="(\w+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]))
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).filter(([k, v]) => v !== (before[k] ?? 0)).map(([k, v]) => [k, v - (before[k] ?? 0)]))

/** Sends one request and reports what ran: the handler that counted it, the surface's route, the log's route and path, CORS. */
async function run(method: string, target: string, host: string | undefined, headers: Record<string, string>, body = '') {
  const handlersBefore = await handlerCounts()
  const surfaceBefore = await surfaceCounts()
  lines.length = 0
  const fields = Object.entries({ origin: 'https://shop.example', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  const answer = await send(`${method} ${target} HTTP/1.0\r\n${host === undefined ? '' : `Host: ${host}\r\n`}${fields}`, body)
  await Bun.sleep(20)
  const handler = Object.keys(diff(await handlerCounts(), handlersBefore))
  const surface = Object.keys(diff(await surfaceCounts(), surfaceBefore))
  const log = lines.map((l) => JSON.parse(l) as { route: string; path: string })
  return { answer, handler, surface, log }
}

const events = '[{"message":"odd target"}]'
const TARGETS = [
  ...['/query?/v1/x', 'http://x/v1/d', '//v1/d', '/v1/d/..', '/%761/d', '/query#/v1/x', '/v1/d?x=/query', '/v1/d#x', '/health?/v1/d'],
  ...['/v1/d/', '/v1/', '/v1/a/b', '/v1/%2e', '/v1/%2e%2e', '/x/../v1/d', '/v1/./d', '/query/', '/queryx', '/openapi/x', 'http://x:1/query?/v1/d'],
]

describe('the route named is the route the router ran', () => {
  for (const host of [undefined, 'h', 'localhost', 'sluice.example:3000']) {
    test.each(TARGETS)(`POST %s (Host: ${host ?? 'none'}): counted, logged and given CORS as the route that answered`, async (target) => {
      const key = target.includes('query') && !target.includes('/v1/') ? TEST_QUERY_KEY : TEST_KEY
      const { answer, handler, surface, log } = await run('POST', target, host, { 'x-api-key': key, 'content-type': 'application/json' }, events)
      expect(surface).toHaveLength(1)
      const route = surface[0]!
      // The events and query routes count their own answers: the surface names exactly those.
      if (handler.length > 0) expect({ target, route }).toEqual({ target, route: handler[0]! })
      else expect({ target, route }).toEqual({ target, route: 'other' })
      expect(log).toHaveLength(1)
      expect(log[0]!.route).toBe(route)
      // CORS and Allow go with the events route, and only with it.
      expect({ target, cors: answer.headers['access-control-allow-origin'] }).toEqual({ target, cors: route === 'events' ? '*' : undefined })
      if (route === 'events') expect(answer.status === 202 || JSON.parse(answer.body).error.includes('dataset name')).toBe(true)
    })
  }
})

describe('a preflight is answered where the events route would run, and nowhere else', () => {
  test.each([
    ['/v1/d', true],
    ['/v1/d/', true],
    ['/v1/d?x=/query', true],
    ['/v1/d#x', true],
    ['/v1/', false],
    ['/v1/a/b', false],
    ['//v1/d', false],
    ['/query?/v1/x', false],
    ['/v1/d/..', false],
  ] as const)('OPTIONS %s: preflight %p', async (target, preflight) => {
    for (const host of [undefined, 'h']) {
      const { answer, surface } = await run('OPTIONS', target, host, { 'access-control-request-method': 'POST' })
      expect({ host, surface, status: answer.status === 204, cors: answer.headers['access-control-allow-origin'] }).toEqual(
        preflight ? { host, surface: ['cors_preflight'], status: true, cors: '*' } : { host, surface: ['other'], status: false, cors: undefined },
      )
    }
  })
})

test('a Host header that is not a host is refused with 400 before any route runs', async () => {
  for (const host of ['a b', 'a/b', 'a@b', 'a?b']) {
    const { answer, handler, surface } = await run('POST', '/v1/d', host, { 'x-api-key': TEST_KEY }, events)
    expect({ host, status: answer.status, handler, surface, cors: answer.headers['access-control-allow-origin'] }).toEqual({ host, status: 400, handler: [], surface: ['other'], cors: undefined })
    expect(JSON.parse(answer.body).error).toContain('Host')
  }
})

test('a short Host is routed by its path: POST /v1/logs with Host: h reaches the events route and stores', async () => {
  const { answer, handler } = await run('POST', '/v1/logs', 'h', { 'x-api-key': TEST_KEY }, events)
  expect(answer.status).toBe(202)
  expect(handler).toEqual(['events'])
})

test('HTTP/1.0 without a Host still reaches every route: events stored, a preflight answered, /health', async () => {
  expect((await run('POST', '/v1/logs', undefined, { 'x-api-key': TEST_KEY }, events)).answer.status).toBe(202)
  const preflight = await run('OPTIONS', '/v1/logs', undefined, { 'access-control-request-method': 'POST' })
  expect({ status: preflight.answer.status, surface: preflight.surface, cors: preflight.answer.headers['access-control-allow-origin'] }).toEqual({ status: 204, surface: ['cors_preflight'], cors: '*' })
  const health = await run('GET', '/health', undefined, {})
  expect({ status: health.answer.status, surface: health.surface }).toEqual({ status: 200, surface: ['health'] })
  const longPath = await run('GET', '/console/api/datasets', undefined, {})
  expect(longPath.surface).toEqual(['other'])
})
