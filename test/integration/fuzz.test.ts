// Property-based fuzzing of ingest with JSON.parse and ClickHouse as the oracles. A seeded run of
// generated and mutated request bodies goes through the in-process HTTP app with the real splitter,
// validator and row encoder; for every request each element is either listed in `invalid` with its
// index or published with `_raw` byte for byte as sent, never a 500, never a hang. Then the accepted
// events of every unmutated request go through the real JetStream and batcher into the embedded
// ClickHouse, and each row is checked: all there, `_raw` as sent, nothing dead-lettered.
//   FUZZ_REQUESTS=… FUZZ_SEED=… FUZZ_CLICKHOUSE_SHARE=… bun test test/integration/fuzz.test.ts
// FUZZ_DUMP=<file> writes any dead-lettered rows there, for a closer look.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import fc from 'fast-check'
import { ingestRequest } from '../../src/ingest/ingest-request'
import { MAX_BODY_BYTES } from '../../src/ingest/limits'
import { requestIdBase } from '../../src/ingest/rows/enrich'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/queue/message-format'
import { post, RecordingPublisher, testApp } from '../support/app'
import { bodyOf, elementPool, fuzzRequest, type FuzzRequest } from '../support/fuzz-requests'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 100_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20261126)
/** No single request may take longer than this: a hang is a failure, not a stuck test. */
const REQUEST_DEADLINE_MS = 5_000
/** Share of the requests whose accepted events also go through JetStream into ClickHouse. */
const CLICKHOUSE_SHARE = Number(process.env.FUZZ_CLICKHOUSE_SHARE ?? 0.5)
/** Distinct generated elements the requests are made of. */
const POOL = Number(process.env.FUZZ_POOL ?? 20_000)
const LIMITS = { maxPastDays: 30, maxFutureDays: 1 }

let pipeline: TestPipeline
beforeAll(async () => {
  pipeline = await startTestPipeline()
})
afterAll(async () => {
  await pipeline?.stop()
})

const decoder = new TextDecoder()
const utf8 = new TextDecoder('utf-8', { fatal: true })

interface Row {
  index: number
  raw: Uint8Array
}

/** Each published row's array index (from its `_id`) and `_raw` bytes, straight from the chunk bytes. */
function publishedRows(publisher: RecordingPublisher): Row[] {
  const rows: Row[] = []
  for (const chunk of publisher.chunks) {
    const body = chunk.body
    for (const line of splitRows(body)) {
      const text = decoder.decode(body.subarray(line.start, line.end))
      const id = /"_id":"[0-9a-f]+-(\d+)","_raw":/.exec(text)
      if (!id) throw new Error(`row without _id: ${text.slice(0, 200)}`)
      // `_raw` is the row's last field: its bytes run from after "_raw": to the row's closing brace.
      const rawAt = line.start + Buffer.from(body.subarray(line.start, line.end)).indexOf('"_raw":') + 7
      rows.push({ index: Number(id[1]), raw: body.subarray(rawAt, line.end - 1) })
    }
  }
  return rows
}

/** Rows end at "}\n" followed by the next row's '{"_timestamp"' (an event may hold raw newlines). */
function* splitRows(body: Uint8Array): Generator<{ start: number; end: number }> {
  const marker = Buffer.from('}\n{"_timestamp":')
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  let start = 0
  for (let at = view.indexOf(marker); at !== -1; at = view.indexOf(marker, at + 1)) {
    yield { start, end: at + 1 }
    start = at + 2
  }
  const end = body[body.length - 1] === 0x0a ? body.length - 1 : body.length
  if (end > start) yield { start, end }
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0

/** JSON.parse's reading of a body (BOM skipped, as a UTF-8 decoder does), or undefined. */
function oracleArray(body: Uint8Array): unknown[] | undefined {
  try {
    const value = JSON.parse(utf8.decode(body))
    return Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What is wrong with how ingest answered one request, or undefined when it is right. */
function judge(request: FuzzRequest, body: Uint8Array, mutated: boolean, status: number, answer: any, rows: Row[]): string | undefined {
  if (status !== 202 && status !== 400 && status !== 413) return `status ${status}: ${JSON.stringify(answer)}`
  if (typeof answer?.message !== 'string') return `answer without message: ${JSON.stringify(answer)}`
  const invalid: number[] = (answer.invalid ?? []).map((i: { index: number }) => i.index)
  if (status === 202 && invalid.length > 0) return '202 listing invalid events'
  if (status !== 202 && answer.invalid === undefined && rows.length > 0) return 'a whole-body refusal published events'
  for (let i = 1; i < invalid.length; i++) if (!(invalid[i]! > invalid[i - 1]!)) return `invalid indexes out of order: ${invalid}`
  const published = new Set<number>()
  for (const row of rows) {
    if (published.has(row.index)) return `index ${row.index} published twice`
    published.add(row.index)
    if (invalid.includes(row.index)) return `index ${row.index} both invalid and published`
    let event: unknown
    try {
      event = JSON.parse(utf8.decode(row.raw))
    } catch {
      return `published an event JSON.parse refuses: ${decoder.decode(row.raw).slice(0, 200)}`
    }
    if (!isObject(event)) return `published a non-object: ${decoder.decode(row.raw).slice(0, 200)}`
    if (Buffer.from(body).indexOf(row.raw) === -1) return 'published bytes that are not in the body'
  }
  if (answer.invalid === undefined && status !== 202) {
    // A whole-body refusal: JSON.parse must not see a non-empty array of objects there either.
    const parsed = oracleArray(body)
    if (parsed !== undefined && parsed.length > 0 && body.length <= MAX_BODY_BYTES && !mutated) return `whole body refused but JSON.parse reads an array: ${answer.error}`
    return undefined
  }
  if (!mutated) {
    const n = request.elements.length
    if (published.size + invalid.length !== n) return `${published.size} published + ${invalid.length} invalid of ${n} elements`
    for (const row of rows) {
      const sent = new TextEncoder().encode(request.elements[row.index]!.text.trim())
      if (!equalBytes(row.raw, sent)) return `element ${row.index} published as ${decoder.decode(row.raw).slice(0, 100)}, sent ${decoder.decode(sent).slice(0, 100)}`
    }
    for (const [i, e] of request.elements.entries()) {
      if (e.plain && !published.has(i)) return `a plain event was refused: ${e.text} (${JSON.stringify(answer.invalid.find((x: any) => x.index === i))})`
      let parsed: unknown
      try {
        parsed = JSON.parse(e.text)
      } catch {
        if (published.has(i)) return `element ${i} published though JSON.parse refuses it`
        continue
      }
      if (!isObject(parsed) && published.has(i)) return `element ${i} published though it is not an object`
    }
    return undefined
  }
  const parsed = oracleArray(body)
  if (parsed !== undefined) {
    if (published.size + invalid.length !== parsed.length) return `${published.size} published + ${invalid.length} invalid of ${parsed.length} elements JSON.parse reads`
    for (const row of rows) if (!Bun.deepEquals(JSON.parse(decoder.decode(row.raw)), parsed[row.index])) return `element ${row.index} published unlike JSON.parse reads it`
  }
  return undefined
}

test(
  `fuzz: ${REQUESTS} seeded requests, each element refused with its index or stored byte for byte`,
  async () => {
    const started = performance.now()
    const now = Date.now()
    let publisher = new RecordingPublisher()
    const { app } = testApp({
      ingest: (request) => ingestRequest(request, { publisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, eventLimits: LIMITS }),
    })
    let wrong = 0
    let tried = 0
    const examples: string[] = []
    /** Accepted elements of unmutated requests, for the ClickHouse oracle. */
    const accepted: string[] = []
    let statuses: Record<number, number> = {}
    let events = 0
    let refused = 0
    const BATCH = 2_000
    const pool = elementPool(now, POOL, SEED)
    const requestsOf = fuzzRequest(pool)
    for (let done = 0; done < REQUESTS; done += BATCH) {
      const requests = fc.sample(requestsOf, { seed: SEED + 1 + done, numRuns: Math.min(BATCH, REQUESTS - done) })
      for (const request of requests) {
        tried++
        const { body, mutated } = bodyOf(request)
        publisher = new RecordingPublisher()
        let problem: string | undefined
        try {
          const response = await withDeadline(app.handle(post('/v1/fuzz', body)), REQUEST_DEADLINE_MS)
          const answer = await response.json()
          statuses[response.status] = (statuses[response.status] ?? 0) + 1
          const rows = publishedRows(publisher)
          problem = judge(request, body, mutated, response.status, answer, rows)
          if (!problem && !mutated && response.status !== 413) {
            events += request.elements.length
            refused += request.elements.length - rows.length
            if (tried % Math.round(1 / CLICKHOUSE_SHARE) === 0) for (const row of rows) accepted.push(request.elements[row.index]!.text.trim())
          }
        } catch (error) {
          problem = `threw ${String(error).slice(0, 300)}`
        }
        if (problem !== undefined) {
          wrong++
          if (examples.length < 5) examples.push(`${problem}\n  body: ${decoder.decode(body).slice(0, 300)}`)
        }
      }
    }
    const httpMs = performance.now() - started
    console.log(`fuzz: ${tried} requests tried (seed ${SEED}), ${wrong} wrong; statuses ${JSON.stringify(statuses)}; unmutated: ${events} events, ${refused} refused; ${httpMs.toFixed(0)} ms`)
    for (const e of examples) console.log(`wrong: ${e}`)

    // The ClickHouse oracle: every accepted event of the unmutated requests, through the real pipeline.
    const landed = await throughClickHouse(accepted)
    console.log(`fuzz: ${accepted.length} accepted events of ${CLICKHOUSE_SHARE * 100}% of the requests sent through JetStream into ClickHouse, ${landed.wrong} wrong rows, ${landed.deadLettered} dead-lettered; ${(performance.now() - started - httpMs).toFixed(0)} ms`)
    for (const e of landed.examples) console.log(`wrong row: ${e}`)
    expect(examples).toEqual([])
    expect(wrong).toBe(0)
    expect(landed.examples).toEqual([])
    expect(landed.wrong).toBe(0)
    expect(landed.deadLettered).toBe(0)
  },
  180_000,
)

/** Sends the events in requests of up to 2 MB, then checks every row ClickHouse holds against what was sent. */
async function throughClickHouse(texts: string[]): Promise<{ wrong: number; deadLettered: number; examples: string[] }> {
  const expected = new Map<string, string>()
  const examples: string[] = []
  let wrong = 0
  let part: string[] = []
  let bytes = 0
  let sent = 0
  const flush = async () => {
    if (part.length === 0) return
    const key = `fuzz-${sent++}`
    const body = `[${part.join(',')}]`
    // The ids derive from the key and the body as sent (enrich.ts).
    const base = requestIdBase(PIPELINE_KEY, 'fuzzed', key, new TextEncoder().encode(body), { service: '', namespace: '', format: 'array' })
    part.forEach((text, i) => expected.set(`${base}-${i}`, text))
    const answer = await pipeline.send('fuzzed', body, { 'idempotency-key': key })
    if (answer.status !== 202) {
      wrong += part.length
      if (examples.length < 5) examples.push(`a request of accepted events answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`)
    }
    part = []
    bytes = 0
  }
  for (const text of texts) {
    if (bytes + text.length > 2_000_000) await flush()
    part.push(text)
    bytes += text.length + 1
  }
  await flush()
  const db = pipeline.clickhouse.database
  const t0 = performance.now()
  let count = 0
  for (let k = 0; k < 12 && count < expected.size; k++) {
    count = await pipeline.waitForCount('fuzzed', expected.size, 5_000)
    console.log(`fuzz: after ${(performance.now() - t0).toFixed(0)} ms, ${count} of ${expected.size} rows in ClickHouse`)
  }
  if (count !== expected.size) examples.push(`${count} rows of ${expected.size}`)
  const result = await pipeline.clickhouse.client.query({ query: `SELECT _id, _raw FROM ${db}.fuzzed`, format: 'JSONEachRow' })
  const seen = new Set<string>()
  for (const row of await result.json<{ _id: string; _raw: string }>()) {
    const want = expected.get(row._id)
    if (want === undefined || seen.has(row._id) || want !== row._raw) {
      wrong++
      if (examples.length < 5) examples.push(`${row._id}: stored ${row._raw.slice(0, 100)}, sent ${want?.slice(0, 100)}`)
    }
    seen.add(row._id)
  }
  wrong += expected.size - seen.size
  // Every accepted event reads back whole, within the memory a query may use (QUERY_MAX_MEMORY_BYTES).
  const everything = await pipeline.clickhouse.client.query({ query: `SELECT * FROM ${db}.fuzzed`, format: 'JSONEachRow', clickhouse_settings: { max_memory_usage: '1073741824' } })
  const readBack = (await everything.json()).length
  if (readBack !== count) examples.push(`SELECT * read ${readBack} rows of ${count}`)
  let deadLettered = 0
  try {
    const dl = await pipeline.clickhouse.client.query({ query: `SELECT error, row FROM ${db}._dead_letter`, format: 'JSONEachRow' })
    const letters = await dl.json<{ error: string; row: string }>()
    deadLettered = letters.length
    if (process.env.FUZZ_DUMP) await Bun.write(process.env.FUZZ_DUMP, letters.map((l) => JSON.stringify(l)).join('\n'))
    for (const letter of letters.slice(0, 5)) examples.push(`dead-lettered: ${letter.error.slice(0, 300)}\n  row: ${letter.row.slice(0, 300)}`)
  } catch (error) {
    if (!/UNKNOWN_TABLE|Unknown table|does not exist/i.test(String(error))) throw error
  }
  return { wrong, deadLettered, examples }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
