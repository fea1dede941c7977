// One 6 MB request through the real HTTP server and JetStream, against a baseline that only drains
// the same body over the same loopback in the same run: the ratio is what sluice's own work costs.
//   bun bench/ingest-request.bench.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config'
import { startNatsServer } from '../src/embedded/nats-server'
import { ingestRequest } from '../src/ingest/ingest-request'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { quietLogger } from '../src/log'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../src/queue/message-format'
import { startSluice } from '../src/sluice'
import { makeLogEvents } from './fixtures'
import { describeRun, summarise } from './report'

const ROUNDS = Number(process.env.ROUNDS ?? 15)
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const events = JSON.parse(new TextDecoder().decode(body)).length as number

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'))
const nats = await startNatsServer({ storeDir: join(dir, 'nats'), logger: quietLogger })
const sluice = await startSluice(loadConfig({ NATS_URL: nats.url, PORT: '0', API_KEYS: 'bench', DATA_DIR: dir, ROLE: 'ingest' }), { logger: quietLogger })

// Baseline: the same runtime and loopback, reading the whole body and answering 202.
const drain = Bun.serve({ port: 0, maxRequestBodySize: 64 * 1024 * 1024, fetch: async (r) => (await r.arrayBuffer(), new Response('{}', { status: 202 })) })

async function timePost(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now()
  const response = await fetch(url, { method: 'POST', body, headers })
  await response.arrayBuffer()
  if (response.status !== 202) throw new Error(`${url} answered ${response.status}`)
  return performance.now() - started
}

// In-process, no network: the ingest work alone (read, split, validate, encode) against JSON.parse.
const nullPublisher = { publish: async () => {} }
async function timeIngestOnly(): Promise<number> {
  const started = performance.now()
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let o = 0; o < body.length; o += 64 * 1024) c.enqueue(body.subarray(o, o + 64 * 1024))
      c.close()
    },
  })
  await ingestRequest({ dataset: 'bench', apiKey: 'k', body: stream, encoding: 'identity', contentLength: body.length, receivedMs: Date.now() }, { publisher: nullPublisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, eventLimits: { maxPastDays: 30, maxFutureDays: 1 } })
  return performance.now() - started
}
function timeJsonParse(): number {
  const started = performance.now()
  JSON.parse(new TextDecoder().decode(body))
  return performance.now() - started
}

const runs = { drain: [] as number[], sluice: [] as number[], ingestOnly: [] as number[], jsonParse: [] as number[] }
for (let i = 0; i < ROUNDS + 2; i++) {
  // Interleaved, so both sides see the same machine load; the first two rounds warm up.
  const d = await timePost(`http://127.0.0.1:${drain.port}/`, {})
  const s = await timePost(`${sluice.url}/v1/bench`, { 'x-api-key': 'bench', 'content-type': 'application/json' })
  const o = await timeIngestOnly()
  const j = timeJsonParse()
  if (i >= 2) runs.drain.push(d), runs.sluice.push(s), runs.ingestOnly.push(o), runs.jsonParse.push(j)
}

console.log(describeRun(`one ${(body.length / 1e6).toFixed(2)} MB request of ${events} events, ${ROUNDS} rounds`))
const mb = body.length / 1e6
const rows = [
  summarise('HTTP drain only (baseline)', runs.drain, mb),
  summarise('sluice POST -> 202 (JetStream acked)', runs.sluice, mb),
  summarise('JSON.parse of the body (baseline)', runs.jsonParse, mb),
  summarise('ingest work in-process, no publish', runs.ingestOnly, mb),
]
console.table(rows)
console.log(`sluice / drain: ${(rows[1]!.medianMs / rows[0]!.medianMs).toFixed(2)}x;  ingest work / JSON.parse: ${(rows[3]!.medianMs / rows[2]!.medianMs).toFixed(2)}x`)

drain.stop(true)
await sluice.stop()
await nats.stop()
rmSync(dir, { recursive: true, force: true })
