// One 6 MB request from POST to rows queryable in ClickHouse (embedded chDB), against a baseline
// in the same run: the same rows written straight into a table by the sink, with no HTTP or queue.
//   bun bench/pipeline.bench.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config'
import { startNatsServer } from '../src/embedded/nats-server'
import { ingestRequest } from '../src/ingest/ingest-request'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { quietLogger } from '../src/log'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../src/queue/message-format'
import type { OutgoingChunk } from '../src/queue/types'
import { createClickHouse } from '../src/sink/clickhouse'
import { RowWriter } from '../src/sink/row-writer'
import { TableManager } from '../src/sink/tables'
import { startSluice } from '../src/sluice'
import { makeLogEvents } from './fixtures'
import { describeRun, summarise } from './report'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const events = JSON.parse(new TextDecoder().decode(body)).length as number

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'))
const config = loadConfig({ PORT: '0', API_KEYS: 'bench', DATA_DIR: dir, BATCH_FLUSH_INTERVAL_MS: '50' })
const clickhouse = createClickHouse(config.clickhouse, dir)
const nats = await startNatsServer({ storeDir: join(dir, 'nats'), logger: quietLogger })
const sluice = await startSluice({ ...config, nats: { ...config.nats, url: nats.url } }, { clickhouse, logger: quietLogger })

// The rows exactly as ingest would queue them, for the baseline.
const chunks: OutgoingChunk[] = []
const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(body), c.close()) })
await ingestRequest({ dataset: 'x', apiKey: 'k', body: stream, encoding: 'identity', receivedMs: Date.now() }, { publisher: { publish: async (c) => void chunks.push(...c) }, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES })
const writer = new RowWriter(clickhouse, new TableManager(clickhouse, config.clickhouse))

async function count(table: string): Promise<number> {
  try {
    const rs = await clickhouse.query({ query: `SELECT count() AS n FROM sluice.\`${table}\``, format: 'JSONEachRow' })
    return Number(((await rs.json()) as { n: string }[])[0]!.n)
  } catch {
    return 0
  }
}

const direct: number[] = []
const accepted: number[] = []
const queryable: number[] = []
for (let round = 0; round < ROUNDS + 1; round++) {
  let started = performance.now()
  await writer.write(`direct_${round}`, chunks.map((c) => c.body), `bench-${round}-${Date.now()}`)
  const d = performance.now() - started

  started = performance.now()
  const response = await fetch(`${sluice.url}/v1/e2e_${round}`, { method: 'POST', body, headers: { 'x-api-key': 'bench' } })
  if (response.status !== 202) throw new Error(`answered ${response.status}`)
  const a = performance.now() - started
  while ((await count(`e2e_${round}`)) < events) await Bun.sleep(5)
  const q = performance.now() - started
  if (round > 0) direct.push(d), accepted.push(a), queryable.push(q)
}

const mb = body.length / 1e6
console.log(describeRun(`one ${mb.toFixed(2)} MB request of ${events} events into embedded ClickHouse, ${ROUNDS} rounds`))
const rows = [
  summarise('sink insert of the same rows (baseline)', direct, mb),
  summarise('POST -> 202 (in JetStream)', accepted, mb),
  summarise('POST -> every row queryable', queryable, mb),
]
console.table(rows)
console.log(`end to end / direct insert: ${(rows[2]!.medianMs / rows[0]!.medianMs).toFixed(2)}x`)

await sluice.stop()
await clickhouse.close()
await nats.stop()
rmSync(dir, { recursive: true, force: true })
