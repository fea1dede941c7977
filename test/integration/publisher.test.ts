// The publisher's guarantees against a real nats-server: chunks that share a message are settled by
// that message's PubAck, whatever it says; an unanswered publish fails at its timeout; a closed
// connection fails what waits at once.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { NatsConnection } from 'nats'
import { QueueUnavailableError } from '../../src/errors'
import { requestIdBase } from '../../src/ingest/rows/enrich'
import { quietLogger } from '../../src/log'
import { createEventPublisher } from '../../src/queue/publisher'
import { ensureStream } from '../../src/queue/stream'
import type { OutgoingChunk } from '../../src/queue/types'
import { startTestNats, type TestNats, queueOf, connectNats } from '../support/nats'

let nats: TestNats
let nc: NatsConnection
beforeAll(async () => {
  nats = await startTestNats()
  nc = await connectNats(nats.url, quietLogger)
})
afterAll(async () => {
  await nc?.close()
  await nats?.stop()
})

const enc = new TextEncoder()
/** A 10-row chunk of a request sent without an Idempotency-Key (such chunks may share messages). */
function oneOffChunk(dataset: string, rowBytes = 100): OutgoingChunk {
  const base = requestIdBase('k', dataset, undefined, new Uint8Array(0), { service: '', namespace: '', format: 'array' })
  const rows = Array.from({ length: 10 }, (_, i) => `{"_id":"${base}-${i}","_raw":{"p":"${'x'.repeat(rowBytes)}"}}\n`).join('')
  return { dataset, body: enc.encode(rows), events: 10, lastId: `${base}-9`, msgId: `${base}:0-9`, shareable: true }
}

/** The only stream on the server (every sluice stream takes the same subjects). */
async function stream(name: string, maxBytes = -1): Promise<void> {
  const jsm = await nc.jetstreamManager()
  for (const s of await jsm.streams.names().next()) await jsm.streams.delete(s)
  await ensureStream(jsm, { stream: name, replicas: 1, maxBytes, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 })
}

test("a refused shared message fails every request whose chunk it carried, with JetStream's reason", async () => {
  await stream('P_FULL', 8 * 1024)
  const publisher = createEventPublisher(queueOf(nc), { stream: 'P_FULL' })
  // Ten requests in one turn: one shared message of ~12 KB, more than the stream may hold.
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => publisher.publish([oneOffChunk('logs')])))
  for (const r of results) {
    expect(r.status).toBe('rejected')
    expect((r as PromiseRejectedResult).reason).toBeInstanceOf(QueueUnavailableError)
    expect(String((r as PromiseRejectedResult).reason.message)).toMatch(/maximum bytes/i)
  }
  // One that fits alone still lands: the refusal was that message's own.
  await publisher.publish([oneOffChunk('logs', 10)])
})

test('requests of the same turn share one message per dataset and all resolve on its PubAck', async () => {
  await stream('P_SHARED')
  const jsm = await nc.jetstreamManager()
  const publisher = createEventPublisher(queueOf(nc), { stream: 'P_SHARED' })
  await Promise.all(Array.from({ length: 30 }, (_, i) => publisher.publish([oneOffChunk(i % 2 === 0 ? 'a' : 'b')])))
  const state = (await jsm.streams.info('P_SHARED')).state
  expect(state.messages).toBe(2)
  expect(state.bytes).toBeGreaterThan(30 * 10 * 100)
})

test('a publish that nobody acknowledges fails at its timeout, and a closed connection fails what waits at once', async () => {
  const other = await connectNats(nats.url, quietLogger)
  await stream('P_SILENT')
  const publisher = createEventPublisher(queueOf(other), { stream: 'P_SILENT', timeoutMs: 400 })
  // Someone else's subscriber on the subject, and the stream gone: nothing answers the reply subject.
  await (await nc.jetstreamManager()).streams.delete('P_SILENT')
  const decoy = other.subscribe('sluice.events.quiet', { callback: () => {} })
  const started = Date.now()
  const err = await publisher.publish([oneOffChunk('quiet')]).catch((e) => e)
  expect(err).toBeInstanceOf(QueueUnavailableError)
  expect(String(err.message)).toContain('no acknowledgement within 400 ms')
  expect(Date.now() - started).toBeLessThan(2000)

  const slow = createEventPublisher(queueOf(other), { stream: 'P_SILENT', timeoutMs: 30_000 })
  const waiting = slow.publish([oneOffChunk('quiet')]).catch((e) => e)
  await Bun.sleep(50)
  const closedAt = Date.now()
  decoy.unsubscribe()
  await other.close()
  expect(await waiting).toBeInstanceOf(QueueUnavailableError)
  expect(Date.now() - closedAt).toBeLessThan(2000)
})
