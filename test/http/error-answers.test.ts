// One answer per situation: errors become the same HTTP answer on every route (status, the spec's
// message, sluice's sentence, Retry-After or Allow), and unexpected ones leak nothing.
import { describe, expect, test } from 'bun:test'
import { BadBodyError, QueryRejectedError, QueueUnavailableError, StoreUnavailableError, WrongRoleError } from '../../src/errors'
import { ApiKeys } from '../../src/http/api-keys'
import { createApp } from '../../src/http/app'
import { errorAnswer, Refusal } from '../../src/http/error-answers'
import { IngestOverloadedError } from '../../src/ingest/inflight-budget'
import { createLogger } from '../../src/log'
import { Metrics } from '../../src/metrics'

const INGEST_KEY = 'answers-ingest-key'
const QUERY_KEY = 'answers-query-key'

/** A node without ClickHouse (no runner), console on, whose ingest never gets a request here. */
function app() {
  return createApp({
    keys: new ApiKeys([INGEST_KEY]),
    queryKeys: new ApiKeys([QUERY_KEY]),
    ingest: () => Promise.reject(new Error('not reached')),
    runner: undefined,
    metrics: new Metrics(),
    logger: createLogger('silent'),
    readiness: async () => ({ nats: true }),
    console: { database: 'sluice' },
  })
}

async function ask(method: string, path: string, key?: string) {
  const response = await app().handle(new Request(`http://localhost${path}`, { method, body: method === 'POST' ? 'SELECT 1' : null, headers: key ? { 'x-api-key': key } : {} }))
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

/** A logger that keeps its lines. */
function recordingLogger() {
  const lines: { level: number; msg: string }[] = []
  const logger = createLogger('debug', 'json', { write: (line: string) => void lines.push(JSON.parse(line)) } as never)
  return { logger, lines }
}

describe('the same situation is answered the same on every route', () => {
  test('a key that is not a query key: /query and the console say the same, for each kind', async () => {
    for (const key of [INGEST_KEY, 'unknown-key', undefined]) {
      const query = await ask('POST', '/query', key)
      const console = await ask('GET', '/console/api/datasets', key)
      expect(query).toEqual(console)
      expect(query.status).toBe(401)
      expect(query.body).toEqual({ message: 'Unauthorised', error: key === INGEST_KEY ? Refusal.ingestKeyCannotRead : Refusal.unknownQueryKey })
    }
  })

  test('the Events API answers a wrong key with the spec\'s body alone', async () => {
    expect((await ask('POST', '/v1/logs', 'unknown-key')).body).toEqual({ message: 'Unauthorised' })
  })

  test('a name that is not a dataset name: the Events API and the console give the same sentence', async () => {
    const events = await ask('POST', '/v1/a.b', INGEST_KEY)
    const console = await ask('GET', '/console/api/datasets/a.b/fields', QUERY_KEY)
    expect(events.body).toEqual(console.body)
    expect(events.body).toEqual({ message: 'Bad Request', error: '"a.b" is not a valid dataset name: use 1 to 64 letters, digits, _ or -, starting with a letter or digit.' })
  })

  test('no ClickHouse on this node: /query and the console answer 503 with Retry-After and the same sentence', async () => {
    const query = await ask('POST', '/query', QUERY_KEY)
    const console = await ask('GET', '/console/api/datasets', QUERY_KEY)
    for (const answer of [query, console]) {
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toBe('2')
      expect(answer.body).toEqual({ message: 'Service Unavailable', error: Refusal.noClickHouse })
    }
  })

  test('405 names the methods in Allow, on the events path and elsewhere', async () => {
    const events = await ask('GET', '/v1/logs', INGEST_KEY)
    expect([events.status, events.headers.get('allow'), events.body]).toEqual([405, 'POST, OPTIONS', { message: 'Method Not Allowed' }])
    const health = await ask('POST', '/health')
    expect([health.status, health.headers.get('allow'), health.body.message]).toEqual([405, 'GET, HEAD', 'Method Not Allowed'])
  })

  test('every 404 says Not Found, a missing console asset too', async () => {
    expect((await ask('GET', '/console/nothing.js')).body.message).toBe('Not Found')
    expect((await ask('GET', '/nothing')).body.message).toBe('Not Found')
  })
})

describe('errorAnswer', () => {
  const answer = async (error: unknown) => {
    const { logger, lines } = recordingLogger()
    const response = errorAnswer(error, { logger, what: 'test request', fields: { dataset: 'logs' } })
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown>, lines }
  }

  test('a SluiceError answers its status with its message for the client', async () => {
    expect(await answer(new BadBodyError('too big', 413))).toMatchObject({ status: 413, retryAfter: null, body: { message: 'Payload Too Large', error: 'too big' } })
    expect(await answer(new WrongRoleError('not here'))).toMatchObject({ status: 503, retryAfter: '2', body: { message: 'Service Unavailable', error: 'not here' } })
    expect(await answer(new QueryRejectedError('writes', 403))).toMatchObject({ status: 403, body: { message: 'Forbidden', error: 'writes' } })
  })

  test('503s say what was stored and when to retry', async () => {
    const overloaded = await answer(new IngestOverloadedError('at budget'))
    expect(overloaded).toMatchObject({ status: 503, retryAfter: '2', body: { error: Refusal.overloaded('at budget') } })
    expect(overloaded.body.error).toContain('nothing of this request was stored')
    // The queue's own words (a NATS error) are not the client's business.
    const queue = await answer(new QueueUnavailableError('nats: connection closed'))
    expect(queue).toMatchObject({ status: 503, retryAfter: '2', body: { message: 'Service Unavailable', error: Refusal.queueUnavailable } })
    expect(queue.lines.map((l) => [l.level, l.msg])).toEqual([[20, 'test request refused: queue unavailable']])
    const store = await answer(new StoreUnavailableError('ClickHouse did not answer in time.'))
    expect(store).toMatchObject({ status: 503, retryAfter: '2', body: { error: 'ClickHouse did not answer in time.' } })
    expect(store.lines.map((l) => [l.level, l.msg])).toEqual([[40, 'test request failed: ClickHouse unavailable']])
  })

  test('every query slot taken: 429 Too Many Requests with Retry-After', async () => {
    expect(await answer(new QueryRejectedError('busy', 429))).toMatchObject({ status: 429, retryAfter: '1', body: { message: 'Too Many Requests', error: 'busy' } })
  })

  test('anything else is 500 with the spec\'s body alone, and logged', async () => {
    const failed = await answer(new Error('secret internal detail'))
    expect([failed.status, failed.body]).toEqual([500, { message: 'Internal Error' }])
    expect(failed.lines).toMatchObject([{ level: 50, msg: 'test request failed', dataset: 'logs' }])
  })
})
