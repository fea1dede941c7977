// The OTLP decoders under hostile bodies, in-process, within a time budget: truncated bodies, wrong
// wire types, huge declared lengths, random bytes, deep nesting, 10,000 attributes, strings that
// are not UTF-8, mangled OTLP/JSON. Never a 500, never a hang, memory and the budget bounded.
// A failing case names its seed: OTLP_FUZZ_SEED=<seed> replays the run.
import { expect, test } from 'bun:test'
import { InflightBudget } from '../../src/ingest/inflight-budget'
import { post, testApp } from '../support/app'
import { protobufBody, randomRequest, seeded } from '../support/otlp-bodies'

const SEED = Number(process.env.OTLP_FUZZ_SEED ?? 20261207)
/** Wall-clock budget of the random part: the run stays a few seconds on two shared cores. */
const BUDGET_MS = Number(process.env.OTLP_FUZZ_MS ?? 4000)
/** One answer must come within this, or the decoder hangs. */
const ANSWER_MS = 5000
const ALLOWED = new Set([200, 400, 413])

const budget = new InflightBudget(160 * 1024 * 1024)
const { app } = testApp({ budget })

async function answer(path: string, body: Uint8Array | string, contentType: string, what: string): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_MS} ms (seed ${SEED})`)), ANSWER_MS)
  })
  try {
    const response = await Promise.race([app.handle(post(path, body, { 'content-type': contentType })), late])
    await response.arrayBuffer()
    if (!ALLOWED.has(response.status)) throw new Error(`${what}: answered ${response.status} (seed ${SEED})`)
    return response.status
  } finally {
    clearTimeout(timer)
  }
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

function field(number: number, inner: Uint8Array): Uint8Array {
  return Uint8Array.from([(number << 3) | 2, ...varint(inner.length), ...inner])
}

/** A log record whose body is arrays nested `depth` deep, written byte by byte (the encoder itself stops at 100). */
function deepProtobuf(depth: number): Uint8Array {
  // Inside out: each level is a prefix (AnyValue.array_value, then ArrayValue.values) before what it holds.
  const core = field(1, new TextEncoder().encode('x'))
  const prefixes: number[][] = []
  let size = core.length
  for (let i = 0; i < depth; i++) {
    const values = [(1 << 3) | 2, ...varint(size)]
    size += values.length
    const array = [(5 << 3) | 2, ...varint(size)]
    size += array.length
    prefixes.push(array, values)
  }
  const body = new Uint8Array(size)
  let at = 0
  for (let i = prefixes.length - 1; i >= 0; i--) {
    body.set(prefixes[i]!, at)
    at += prefixes[i]!.length
  }
  body.set(core, at)
  return field(1, field(2, field(2, field(5, body))))
}

test('OTLP decoders: hostile bodies are answered 200, 400 or 413 in time, and memory stays bounded', async () => {
  const random = seeded(SEED)
  const counts: Record<string, number> = {}
  const count = (kind: string) => (counts[kind] = (counts[kind] ?? 0) + 1)
  const startRss = process.memoryUsage().rss
  let peakRss = startRss
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))

  // Fixed cases first: each of them once.
  expect(await answer('/otlp/v1/logs', deepProtobuf(60), 'application/x-protobuf', 'arrays 60 deep')).toBe(400)
  expect(await answer('/otlp/v1/logs', deepProtobuf(20_000), 'application/x-protobuf', 'arrays 20,000 deep')).toBe(400)
  const deepJson = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(10_000)}${']}}'.repeat(10_000)}}]}]}]}`
  expect(await answer('/otlp/v1/logs', deepJson, 'application/json', 'JSON values 10,000 deep')).toBe(400)
  expect(await answer('/otlp/v1/logs', '['.repeat(1_000_000), 'application/json', 'a million open brackets')).toBe(400)
  const manyAttributes = [...Array(10_000)].map((_, i) => ({ key: `attribute.${i}`, value: { intValue: i } }))
  const wide = { resourceLogs: [{ resource: { attributes: manyAttributes }, scopeLogs: [{ logRecords: [{ attributes: manyAttributes, body: { stringValue: 'wide' } }] }] }] }
  expect(await answer('/otlp/v1/logs', protobufBody('logs', wide), 'application/x-protobuf', '10,000 attributes')).toBe(200)
  expect(await answer('/otlp/v1/logs', JSON.stringify(wide), 'application/json', '10,000 attributes as JSON')).toBe(200)
  const text = protobufBody('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: 'WARN' }] }] }] })
  text[Buffer.from(text).indexOf('WARN')] = 0xff
  expect(await answer('/otlp/v1/logs', text, 'application/x-protobuf', 'a string that is not UTF-8')).toBe(400)
  expect(await answer('/otlp/v1/logs', Uint8Array.from([0x7b, 0xff, 0x7d]), 'application/json', 'JSON that is not UTF-8')).toBe(400)
  // 100,000 empty records in 200 KB: the decoder's worst ratio of heap to body (70 bytes a byte).
  const empties = field(1, field(2, new Uint8Array(200_000).map((_, i) => (i % 2 === 0 ? 0x12 : 0))))
  expect(await answer('/otlp/v1/logs', empties, 'application/x-protobuf', '100,000 empty records')).toBe(200)
  sample()

  const valid = (signal: 'logs' | 'traces') => protobufBody(signal, randomRequest(signal, random))
  const mutations: [string, (body: Uint8Array) => Uint8Array][] = [
    ['truncated', (b) => b.subarray(0, Math.floor(random() * b.length))],
    ['wrong wire type', (b) => b.map((x, i) => (i === Math.floor(random() * b.length) ? (x & ~7) | Math.floor(random() * 8) : x))],
    ['huge declared length', (b) => { const at = Math.floor(random() * b.length); return Uint8Array.from([...b.subarray(0, at), ...[0xff, 0xff, 0xff, 0xff, 0x0f], ...b.subarray(at + 1)]) }],
    ['flipped bits', (b) => { const c = Uint8Array.from(b); for (let n = 0; n < 1 + random() * 4; n++) c[Math.floor(random() * c.length)] ^= 1 << Math.floor(random() * 8); return c }],
    ['random bytes', () => Uint8Array.from([...Array(Math.floor(random() * 512))].map(() => Math.floor(random() * 256)))],
    ['valid', (b) => b],
  ]
  const jsonMutations: [string, (text: string) => string][] = [
    ['json cut', (t) => t.slice(0, Math.floor(random() * t.length))],
    ['json character dropped', (t) => { const at = Math.floor(random() * t.length); return t.slice(0, at) + t.slice(at + 1) }],
    ['json value of another type', (t) => t.replace(/:("[^"]*"|\d+|true|false|\{\}|\[\])/, `:${['[]', '1', '"x"', 'null', '{}', '-1', '1.5'][Math.floor(random() * 7)]}`)],
    ['json as sent', (t) => t],
  ]
  const deadline = Date.now() + BUDGET_MS
  while (Date.now() < deadline) {
    const signal = random() < 0.5 ? 'logs' : 'traces'
    const path = `/otlp/v1/${signal}`
    if (random() < 0.6) {
      const [kind, mutate] = mutations[Math.floor(random() * mutations.length)]!
      await answer(path, mutate(valid(signal)), 'application/x-protobuf', kind)
      count(kind)
    } else {
      const [kind, mutate] = jsonMutations[Math.floor(random() * jsonMutations.length)]!
      const json = JSON.stringify(randomRequest(signal, random), (_, v) => (typeof v === 'object' && v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
      await answer(path, mutate(json), 'application/json', kind)
      count(kind)
    }
    sample()
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  console.log(`OTLP fuzz (seed ${SEED}): ${total} random bodies in ${BUDGET_MS} ms ${JSON.stringify(counts)}; peak RSS +${Math.round((peakRss - startRss) / 2 ** 20)} MB`)
  expect(total).toBeGreaterThan(200)
  expect(budget.usedBytes).toBe(0)
  expect(peakRss - startRss).toBeLessThan(600 * 2 ** 20)
}, 60_000)
