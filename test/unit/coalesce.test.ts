// Which chunks may share a JetStream message, and how shared messages are made.
import { describe, expect, test } from 'bun:test'
import { headers } from 'nats'
import { ingestRequest } from '../../src/ingest/ingest-request'
import { requestIdBase } from '../../src/ingest/rows/enrich'
import { COALESCE_MAX_CHUNK_BYTES, coalesce } from '../../src/queue/coalesce'
import { problemOf } from '../../src/queue/pub-acks'
import type { OutgoingChunk } from '../../src/queue/types'

const enc = new TextEncoder()
const dec = new TextDecoder()
const body = enc.encode('[{"a":1}]')

/** A request's id base, and whether its chunks are shareable (it has no Idempotency-Key). */
interface RequestIds { base: string; shareable: boolean }

/** A chunk of `events` rows of a request, as the row encoder makes it. */
function chunkOf(request: RequestIds, dataset = 'logs', events = 2, pad = 0): { chunk: OutgoingChunk } {
  const { base, shareable } = request
  const rows = Array.from({ length: events }, (_, i) => `{"_id":"${base}-${i}","_raw":{"p":"${'x'.repeat(pad)}"}}\n`).join('')
  return { chunk: { dataset, body: enc.encode(rows), events, lastId: `${base}-${events - 1}`, msgId: `${base}:0-${events - 1}`, ...(shareable ? { shareable } : {}) } }
}
const ARRAY = { service: '', namespace: '', format: 'array' } as const
const oneOff = (): RequestIds => ({ base: requestIdBase('k', 'logs', undefined, body, ARRAY), shareable: true })
const keyed = (key: string): RequestIds => ({ base: requestIdBase('k', 'logs', key, body, ARRAY), shareable: false })

/** The chunks ingest publishes for one request of `events` small events. */
async function chunksOfRequest(idempotencyKey: string | undefined, events = 3): Promise<OutgoingChunk[]> {
  const chunks: OutgoingChunk[] = []
  const publisher = { publish: async (sent: readonly OutgoingChunk[]) => void chunks.push(...sent) }
  const stream = new Blob([JSON.stringify(Array.from({ length: events }, (_, i) => ({ i })))]).stream()
  await ingestRequest({ dataset: 'logs', apiKey: 'k', idempotencyKey, body: stream, encoding: 'identity', receivedMs: Date.now() }, { publisher, maxMessageBytes: 1024 * 1024 })
  return chunks
}

describe('one-off requests', () => {
  test('requests without an Idempotency-Key get fresh 32-hex-digit bases', () => {
    const a = oneOff().base
    const b = oneOff().base
    expect(a).not.toBe(b)
    expect(a).toMatch(/^[0-9a-f]{32}$/)
  })
  test("ingest marks a one-off request's chunks shareable, and never a keyed request's", async () => {
    for (const [key, shareable] of [[undefined, true], ['', true], ['a', false], ['b', false]] as const) {
      const chunks = await chunksOfRequest(key)
      expect(chunks.length).toBeGreaterThan(0)
      for (const chunk of chunks) expect(chunk.shareable === true).toBe(shareable)
    }
  })
})

describe('coalescing chunks into messages', () => {
  test("a keyed request's chunk always goes alone under its own msgId, so its retry is dropped as a repeat", () => {
    const a = chunkOf(keyed('a'))
    const b = chunkOf(keyed('b'))
    const messages = coalesce([a, chunkOf(oneOff()), b, chunkOf(oneOff())], 1024 * 1024)
    const alone = messages.filter((m) => m.parts.includes(a) || m.parts.includes(b))
    expect(alone.map((m) => m.parts.length)).toEqual([1, 1])
    expect(alone.map((m) => m.msgId)).toEqual([a.chunk.msgId, b.chunk.msgId])
    expect(alone[0]!.body).toBe(a.chunk.body)
  })

  test('one-off chunks of a dataset share one message: rows in order, counts summed, the last row named', () => {
    const parts = [chunkOf(oneOff(), 'logs', 3), chunkOf(oneOff(), 'traces', 1), chunkOf(oneOff(), 'logs', 2), chunkOf(oneOff(), 'logs', 5)]
    const messages = coalesce(parts, 1024 * 1024)
    expect(messages).toHaveLength(2)
    const logs = messages.find((m) => m.dataset === 'logs')!
    expect(logs.parts).toEqual([parts[0]!, parts[2]!, parts[3]!])
    expect(logs.events).toBe(10)
    expect(logs.lastId).toBe(parts[3]!.chunk.lastId)
    expect(dec.decode(logs.body)).toBe([parts[0]!, parts[2]!, parts[3]!].map((p) => dec.decode(p.chunk.body)).join(''))
    expect(logs.msgId).not.toBe(parts[0]!.chunk.msgId)
    // A lone chunk keeps its own body and id.
    const traces = messages.find((m) => m.dataset === 'traces')!
    expect(traces.msgId).toBe(parts[1]!.chunk.msgId)
  })

  test('a shared message never passes the message size; large chunks go alone', () => {
    const small = Array.from({ length: 40 }, () => chunkOf(oneOff(), 'logs', 1, 3000))
    const large = chunkOf(oneOff(), 'logs', 1, COALESCE_MAX_CHUNK_BYTES)
    const max = 20_000
    const messages = coalesce([...small, large], max)
    for (const m of messages) if (m.parts.length > 1) expect(m.body.byteLength).toBeLessThanOrEqual(max)
    expect(messages.find((m) => m.parts.includes(large))!.parts).toHaveLength(1)
    expect(messages.reduce((n, m) => n + m.parts.length, 0)).toBe(41)
    expect(messages.length).toBeLessThan(41)
  })

  test('message ids of shared messages are unique across flushes', () => {
    const ids = new Set<string>()
    for (let round = 0; round < 100; round++) {
      for (const m of coalesce([chunkOf(oneOff()), chunkOf(oneOff()), chunkOf(oneOff())], 1024 * 1024)) ids.add(m.msgId)
    }
    expect(ids.size).toBe(100)
  })
})

describe('PubAck answers', () => {
  const msg = (data: string, code = 0) => ({ data: enc.encode(data), headers: code ? headers(code, 'No Responders') : undefined })
  test('a PubAck, duplicate or not, is success', () => {
    expect(problemOf(msg('{"stream":"S","seq":1}'))).toBeUndefined()
    expect(problemOf(msg('{"stream":"S","seq":1,"duplicate":true}'))).toBeUndefined()
  })
  test("JetStream's refusal is reported in its own words", () => {
    const problem = problemOf(msg('{"error":{"code":503,"err_code":10047,"description":"maximum bytes exceeded"},"stream":"S","seq":0}'))
    expect(problem?.message).toBe('maximum bytes exceeded (JetStream error 10047)')
  })
  test('no responders, an empty stream name and garbage are failures', () => {
    expect(problemOf(msg('', 503))?.message).toMatch(/no responders/)
    expect(problemOf(msg('{"stream":""}'))).toBeDefined()
    expect(problemOf(msg('nope'))).toBeDefined()
  })
})
