// Baseline, run as its own process: chDB's native insert (Session.insert, raw bytes, as ClickHouse
// parses them itself) of the very rows sluice would queue for `copies` 6 MB bodies, into a table of
// today's layout (src/sink/tables.ts), with the sink's insert settings. Prints {"events", "insertMs"}.
import { plainPlace } from '../../src/store/tables'
import { Session } from 'chdb'
import { ingestRequest } from '../../src/ingest/ingest-request'
import { MAX_BODY_BYTES } from '../../src/ingest/limits'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/queue/message-format'
import { datasetTableDDL } from '../../src/sink/tables'
import { makeLogEvents } from '../fixtures'

const input = JSON.parse(process.argv[2]!) as { dir: string; copies: number; bodiesPerInsert: number }
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)

/** The rows of one request as ingest encodes them; a distinct Idempotency-Key per copy gives distinct ids. */
async function rowsOf(copy: number): Promise<{ rows: Buffer; events: number }> {
  const parts: Uint8Array[] = []
  let events = 0
  const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(body), c.close()) })
  await ingestRequest(
    { dataset: 'native', apiKey: 'k', idempotencyKey: `copy-${copy}`, body: stream, encoding: 'identity', receivedMs: Date.now() },
    { publisher: { publish: async (chunks) => void chunks.forEach((c) => (parts.push(new Uint8Array(c.body)), (events += c.events))) }, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
  )
  return { rows: Buffer.concat(parts), events }
}

const session = new Session(input.dir)
session.query('CREATE DATABASE IF NOT EXISTS sluice')
session.query(datasetTableDDL(plainPlace('sluice', 'native'), 0))
// The sink's settings (src/sink/clickhouse.ts DEFAULT_SETTINGS and src/sink/insert-settings.ts).
const settings = { date_time_input_format: 'best_effort', input_format_json_read_objects_as_strings: 1, type_json_skip_duplicated_paths: 1, allow_simdjson: 0, throw_on_max_partitions_per_insert_block: 0 }

const batches: { rows: Buffer; events: number }[] = []
for (let c = 0; c < input.copies; c += input.bodiesPerInsert) {
  const group = await Promise.all(Array.from({ length: Math.min(input.bodiesPerInsert, input.copies - c) }, (_, k) => rowsOf(c + k)))
  batches.push({ rows: Buffer.concat(group.map((g) => g.rows)), events: group.reduce((n, g) => n + g.events, 0) })
}
let events = 0
const t0 = performance.now()
for (const batch of batches) {
  await session.insert({ table: 'sluice.native', values: batch.rows, format: 'JSONEachRow', settings })
  events += batch.events
}
const insertMs = performance.now() - t0
const stored = Number(session.query('SELECT count() FROM sluice.native', 'CSV').trim())
session.cleanup?.()
console.log(JSON.stringify({ events, stored, insertMs }))
