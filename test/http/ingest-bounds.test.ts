// What one request may cost the node, in-process: the in-flight byte budget (503 past it, every
// byte given back), the window of unacknowledged chunks, and the bounded list of invalid events.
import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { MAX_LISTED_INVALID } from '../../src/ingest/exact-path/invalid-list'
import { InflightBudget } from '../../src/ingest/inflight-budget'
import { ingestRequest } from '../../src/ingest/ingest-request'
import { MAX_WIRE_BYTES } from '../../src/ingest/limits'
import { PUBLISH_WINDOW_CHUNKS } from '../../src/ingest/rows/publish-window'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/queue/message-format'
import type { EventPublisher, OutgoingChunk } from '../../src/queue/types'
import { post, testApp, unavailable } from '../support/app'

async function send(request: Request, app = testApp()) {
  const response = await app.app.handle(request)
  return { status: response.status, body: (await response.json()) as Record<string, any>, headers: response.headers, ...app }
}

/** Acknowledges after a tick, counting events and the most chunks ever awaiting an ack at once. */
class CountingPublisher implements EventPublisher {
  events = 0
  chunks = 0
  inFlight = 0
  maxInFlight = 0
  msgIds = new Set<string>()
  /** Chunks whose bytes changed between publish and ack (a buffer reused too early). */
  overwritten = 0
  async publish(chunks: readonly OutgoingChunk[]): Promise<void> {
    this.inFlight += chunks.length
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    const copies = chunks.map((c) => new Uint8Array(c.body))
    await Bun.sleep(1)
    chunks.forEach((c, i) => {
      if (Buffer.compare(c.body, copies[i]!) !== 0) this.overwritten++
    })
    for (const c of chunks) {
      this.events += c.events
      this.chunks++
      this.msgIds.add(c.msgId)
    }
    this.inFlight -= chunks.length
  }
}

const tiny = (count: number) => `[${'{},'.repeat(count - 1)}{}]`

describe('in-flight byte budget', () => {
  test('past the budget a request is answered 503 with Retry-After, and nothing of it is queued', async () => {
    const budget = new InflightBudget(1024 * 1024)
    const held = budget.tryTake(1024 * 1024 - 1000)
    expect(held).toBe(true)
    const { status, body, headers, publisher } = await send(post('/v1/logs', JSON.stringify([{ message: 'x'.repeat(5000) }])), testApp({ budget }))
    expect(status).toBe(503)
    expect(headers.get('retry-after')).toBe('2')
    expect(body.error).toContain('in flight')
    expect(body.error).toContain('Idempotency-Key')
    expect(publisher.chunks).toHaveLength(0)
  })

  test('a budget smaller than one large request still lets it through when nothing else is in flight', async () => {
    const budget = new InflightBudget(1024 * 1024)
    const events = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ i, message: 'x'.repeat(300) })))
    const { status } = await send(post('/v1/logs', events), testApp({ budget }))
    expect(status).toBe(202)
    expect(budget.usedBytes).toBe(0)
  })

  test('every byte a request took is given back, whatever its outcome', async () => {
    const budget = new InflightBudget(64 * 1024 * 1024)
    const app = testApp({ budget })
    const outcomes = [
      await app.app.handle(post('/v1/logs', tiny(50_000))), // 202
      await app.app.handle(post('/v1/logs', '[{"a":1},5]')), // 400 partly
      await app.app.handle(post('/v1/logs', '[{"a":1}')), // 400 truncated
      await app.app.handle(post('/v1/logs', `[${' '.repeat(7 * 1024 * 1024)}`)), // 413
    ]
    app.publisher.failWith = unavailable()
    outcomes.push(await app.app.handle(post('/v1/logs', '[{}]'))) // 503
    expect(outcomes.map((r) => r.status)).toEqual([202, 400, 400, 413, 503])
    expect(budget.usedBytes).toBe(0)
  })
})

describe('bounded memory per request', () => {
  test('1M tiny events are accepted with at most the window of chunks awaiting acks, each chunk id distinct, no buffer reused before its ack', async () => {
    const publisher = new CountingPublisher()
    const budget = new InflightBudget(64 * 1024 * 1024)
    const app = testApp({ ingest: (request) => ingestRequest(request, { publisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, budget }) })
    const started = performance.now()
    const { status } = await send(post('/v1/logs', tiny(1_000_000), { 'idempotency-key': 'tiny' }), app)
    expect(status).toBe(202)
    expect(publisher.events).toBe(1_000_000)
    expect(publisher.maxInFlight).toBeLessThanOrEqual(PUBLISH_WINDOW_CHUNKS)
    expect(publisher.msgIds.size).toBe(publisher.chunks)
    expect(publisher.overwritten).toBe(0)
    expect(budget.usedBytes).toBe(0)
    expect(performance.now() - started).toBeLessThan(20_000)
  }, 30_000)

  test('once JetStream refuses a chunk the request stops encoding and answers 503', async () => {
    let calls = 0
    const publisher: EventPublisher = {
      async publish() {
        if (++calls >= 2) throw unavailable()
      },
    }
    const app = testApp({ ingest: (request) => ingestRequest(request, { publisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES }) })
    const { status, headers } = await send(post('/v1/logs', tiny(1_000_000)), app)
    expect(status).toBe(503)
    expect(headers.get('retry-after')).toBe('2')
    // 1M tiny events are ~100 chunks; it gave up right after the refusal.
    expect(calls).toBeLessThanOrEqual(PUBLISH_WINDOW_CHUNKS + 2)
  }, 30_000)

  test('a body of millions of bad elements lists the first 1000, counts them all and says the list was cut', async () => {
    const body = `[${'1,'.repeat(2_000_000)}{"ok":true}]`
    const { status, body: answer, publisher } = await send(post('/v1/logs', body))
    expect(status).toBe(400)
    expect(answer.accepted).toBe(1)
    expect(answer.rejected).toBe(2_000_000)
    expect(answer.invalid).toHaveLength(MAX_LISTED_INVALID)
    expect(answer.invalid[999].index).toBe(999)
    expect(answer.invalidTruncated).toBe(true)
    expect(publisher.rows()).toHaveLength(1)
    expect(publisher.rows()[0]!._id).toEndWith('-2000000')
  }, 30_000)

  test('a bad element costs only its slice: valid neighbours on both sides keep their indexes and bytes', async () => {
    const events = Array.from({ length: 30_000 }, (_, i) => (i % 7919 === 5 ? '{"bad":}' : i % 9973 === 3 ? '\uFEFF{"bom":1}' : `{"i":${i}}`))
    const { status, body, publisher } = await send(post('/v1/logs', `[${events.join(',')}]`))
    expect(status).toBe(400)
    const bad = events.flatMap((e, i) => (e.startsWith('{"i"') ? [] : [i]))
    expect(body.invalid.map((e: { index: number }) => e.index)).toEqual(bad)
    expect(publisher.rawTexts()).toEqual(events.filter((e) => e.startsWith('{"i"')))
  }, 30_000)
})

describe('compressed bombs', () => {
  test('50 MB of empty gzip members is 413 after the wire limit, quickly, and nothing is queued', async () => {
    const member = zlib.gzipSync(Buffer.alloc(0))
    const bomb = Buffer.concat(Array.from({ length: (50 * 1024 * 1024) / member.length }, () => member))
    const started = performance.now()
    const { status, body, publisher } = await send(post('/v1/logs', bomb, { 'content-encoding': 'gzip' }))
    expect(status).toBe(413)
    expect(body.error).toContain(`larger than ${MAX_WIRE_BYTES} bytes`)
    expect(publisher.chunks).toHaveLength(0)
    expect(performance.now() - started).toBeLessThan(5000)
  }, 30_000)

  test('a valid array followed by megabytes of empty members is 413 too: the wire limit counts every byte read', async () => {
    const member = zlib.gzipSync(Buffer.alloc(0))
    const body = Buffer.concat([zlib.gzipSync('[{"a":1}]'), ...Array.from({ length: (8 * 1024 * 1024) / member.length }, () => member)])
    const { status, publisher } = await send(post('/v1/logs', body, { 'content-encoding': 'gzip' }))
    expect(status).toBe(413)
    expect(publisher.chunks).toHaveLength(0)
  }, 30_000)
})
