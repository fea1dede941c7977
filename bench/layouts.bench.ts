// Table layouts on the embedded engine, insert speed and query speed side by side, so a layout that
// inserts faster but answers `data.<path>` or well-known-field queries slower shows up. Each layout
// gets the same rows (as ingest encodes them) through chDB's raw insert with the sink's settings;
// each figure is against today's layout (src/sink/tables.ts) in the same run, inserts interleaved.
//   bun bench/layouts.bench.ts
import { plainPlace } from '../src/store/tables'
import { Session } from 'chdb'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ingestRequest } from '../src/ingest/ingest-request'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../src/queue/message-format'
import { insertSettingsMap } from '../src/sink/insert-settings'
import { DATA_TYPE, datasetTableDDL, PART_SETTINGS } from '../src/sink/tables'
import { makeLogEvents } from './fixtures'
import { benchOptions, figure, step } from './lib/figures'
import { median } from './lib/stats'

const { quick } = benchOptions()
const bodies = quick ? 1 : 4
const rounds = quick ? 1 : 4

const COLUMNS = `_timestamp DateTime64(3), _service LowCardinality(String), _namespace String, _id String`
const TAIL = `ENGINE = MergeTree PARTITION BY toDate(_timestamp) ORDER BY (_service, _timestamp) SETTINGS ${PART_SETTINGS}`
/** The spec's well-known fields as typed columns, filled by ClickHouse from `_raw` at insert. */
const WELL_KNOWN = [
  `level LowCardinality(String) DEFAULT JSONExtractString(_raw, 'level')`,
  `message String DEFAULT JSONExtractString(_raw, 'message')`,
  `requestId String DEFAULT JSONExtractString(_raw, 'requestId')`,
  `traceId String DEFAULT JSONExtractString(_raw, 'traceId')`,
  `duration Nullable(Float64) DEFAULT JSONExtract(_raw, 'duration', 'Nullable(Float64)')`,
].join(', ')

interface Layout {
  id: string
  name: string
  ddl: (table: string) => string
  /** The queries in this layout's terms: count by level, a data.<path> filter, top requestIds. */
  level: string
  path: string
  requestId: string
}

const LAYOUTS: Layout[] = [
  {
    id: 'today',
    name: "today's: JSON `data` with typed well-known paths, `_raw` ZSTD(3)",
    ddl: (t) => datasetTableDDL(plainPlace('bench', t), 0),
    level: 'data.level',
    path: 'data.data.region::String',
    requestId: 'data.requestId',
  },
  {
    id: 'lz4-raw',
    name: 'the same with `_raw` LZ4 (cheaper compression, larger on disk)',
    ddl: (t) => `CREATE TABLE bench.${t} (${COLUMNS}, _raw String CODEC(LZ4), data ${DATA_TYPE} DEFAULT _raw) ${TAIL}`,
    level: 'data.level',
    path: 'data.data.region::String',
    requestId: 'data.requestId',
  },
  {
    id: 'zstd1-raw',
    name: 'the same with `_raw` ZSTD(1)',
    ddl: (t) => `CREATE TABLE bench.${t} (${COLUMNS}, _raw String CODEC(ZSTD(1)), data ${DATA_TYPE} DEFAULT _raw) ${TAIL}`,
    level: 'data.level',
    path: 'data.data.region::String',
    requestId: 'data.requestId',
  },
  {
    id: 'typed-json',
    name: 'typed columns for the well-known fields beside a plain JSON `data`',
    ddl: (t) => `CREATE TABLE bench.${t} (${COLUMNS}, _raw String CODEC(ZSTD(3)), ${WELL_KNOWN}, data JSON(max_dynamic_paths = 128, max_dynamic_types = 8) DEFAULT _raw) ${TAIL}`,
    level: 'level',
    path: 'data.data.region::String',
    requestId: 'requestId',
  },
  {
    id: 'typed-alias',
    name: 'typed columns, `data` an ALIAS parsed from `_raw` at query time',
    ddl: (t) => `CREATE TABLE bench.${t} (${COLUMNS}, _raw String CODEC(ZSTD(3)), ${WELL_KNOWN}, data JSON ALIAS _raw::JSON) ${TAIL}`,
    level: 'level',
    path: 'data.data.region::String',
    requestId: 'requestId',
  },
  {
    id: 'raw-only',
    name: '`_raw` only (no JSON, no typed columns): the floor',
    ddl: (t) => `CREATE TABLE bench.${t} (${COLUMNS}, _raw String CODEC(ZSTD(3))) ${TAIL}`,
    level: "JSONExtractString(_raw, 'level')",
    path: "JSONExtractString(_raw, 'data', 'region')",
    requestId: "JSONExtractString(_raw, 'requestId')",
  },
]

/** The rows of `copies` 6 MB requests as ingest encodes them, one buffer (about 20k rows each). */
async function rows(copies: number): Promise<{ bytes: Buffer; events: number }> {
  const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
  const parts: Uint8Array[] = []
  let events = 0
  for (let copy = 0; copy < copies; copy++) {
    const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(body), c.close()) })
    await ingestRequest(
      { dataset: 'layouts', apiKey: 'k', idempotencyKey: `copy-${copy}`, body: stream, encoding: 'identity', receivedMs: Date.now() },
      { publisher: { publish: async (chunks) => void chunks.forEach((c) => (parts.push(new Uint8Array(c.body)), (events += c.events))) }, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
    )
  }
  return { bytes: Buffer.concat(parts), events }
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-layouts-'))
const session = new Session(dir)
try {
  step(`encoding ${bodies} bodies of 6 MB`)
  const batch = await rows(bodies)
  session.query('CREATE DATABASE bench')
  const insertMs: Record<string, number[]> = {}
  // Rounds interleave the layouts, each into a fresh table, so all see the same machine load.
  for (let round = 0; round < rounds; round++) {
    for (const layout of LAYOUTS) {
      step(`insert round ${round + 1}/${rounds}: ${layout.id}`)
      const table = `${layout.id.replace(/-/g, '_')}_${round}`
      session.query(layout.ddl(table))
      const t0 = performance.now()
      await session.insert({ table: `bench.${table}`, columns: ['_timestamp', '_service', '_namespace', '_id', '_raw'], values: batch.bytes, format: 'JSONEachRow', settings: insertSettingsMap(`r${round}`) })
      ;(insertMs[layout.id] ??= []).push(performance.now() - t0)
    }
  }
  const queryMs = async (sql: string): Promise<number> => {
    const samples: number[] = []
    for (let i = 0; i < 2 + rounds * 2; i++) {
      const t0 = performance.now()
      await session.queryAsync(sql, { format: 'JSONEachRow' })
      if (i >= 2) samples.push(performance.now() - t0)
    }
    return median(samples)
  }
  const today = LAYOUTS[0]!
  const tableOf = (l: Layout) => `bench.${l.id.replace(/-/g, '_')}_0`
  const queries = (l: Layout) => ({
    'count-by-level': `SELECT ${l.level} AS level, count() AS n FROM ${tableOf(l)} GROUP BY level ORDER BY n DESC`,
    'path-filter': `SELECT count() AS n FROM ${tableOf(l)} WHERE ${l.path} = 'eu-west-1'`,
    'top-request-ids': `SELECT ${l.requestId} AS id, count() AS n FROM ${tableOf(l)} GROUP BY id ORDER BY n DESC LIMIT 10`,
  })
  const todayQueries: Record<string, number> = {}
  for (const [id, sql] of Object.entries(queries(today))) todayQueries[id] = await queryMs(sql)
  for (const layout of LAYOUTS) {
    const eps = batch.events / (median(insertMs[layout.id]!) / 1000)
    const todayEps = batch.events / (median(insertMs[today.id]!) / 1000)
    const [{ bytes }] = JSON.parse(`[${session.query(`SELECT sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = 'bench' AND table = '${tableOf(layout).slice(6)}' AND active`, 'JSONEachRow').trim()}]`) as { bytes: string }[]
    figure({ id: `layouts.${layout.id}.insert-eps`, bench: 'layouts', name: `insert, layout ${layout.name}`, value: eps, unit: 'events/s', better: 'higher', baseline: { name: "today's layout", value: todayEps }, detail: { events: batch.events, diskMb: Number(bytes) / 1e6 } })
    if (layout === today) continue
    for (const [id, sql] of Object.entries(queries(layout))) {
      step(`query ${id}: ${layout.id}`)
      figure({ id: `layouts.${layout.id}.${id}.ms`, bench: 'layouts', name: `query ${id}, layout ${layout.id}`, value: await queryMs(sql), unit: 'ms', better: 'lower', baseline: { name: "today's layout", value: todayQueries[id]! }, detail: { sql } })
    }
  }
} finally {
  session.cleanup?.()
  rmSync(dir, { recursive: true, force: true })
}
process.exit(0)
