// Typical queries on stored events through POST /query on the embedded default (ROLE=all), so a
// faster insert that makes queries slower shows up. Each against the same question answered from
// `_raw` (the event's text) with JSONExtract in the same run: what the JSON `data` column buys.
//   bun bench/queries.bench.ts
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { startSluice } from './lib/processes'
import { untilRows } from './lib/rows'
import { interleaved } from './lib/timing'

const { quick } = benchOptions()
const bodies = quick ? 3 : 10
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const eventsPerBody = (JSON.parse(new TextDecoder().decode(body)) as unknown[]).length
const T = 'sluice.queries'
const QUERIES = [
  {
    id: 'count-by-level',
    name: 'count by level',
    sql: `SELECT data.level AS level, count() AS n FROM ${T} GROUP BY level ORDER BY n DESC`,
    raw: `SELECT JSONExtractString(_raw, 'level') AS level, count() AS n FROM ${T} GROUP BY level ORDER BY n DESC`,
  },
  {
    id: 'path-filter',
    name: "data.<path> filter (data.data.region = 'eu-west-1')",
    sql: `SELECT count() AS n FROM ${T} WHERE data.data.region::String = 'eu-west-1'`,
    raw: `SELECT count() AS n FROM ${T} WHERE JSONExtractString(_raw, 'data', 'region') = 'eu-west-1'`,
  },
  {
    id: 'top-request-ids',
    name: 'top 10 requestIds',
    sql: `SELECT data.requestId AS id, count() AS n FROM ${T} GROUP BY id ORDER BY n DESC LIMIT 10`,
    raw: `SELECT JSONExtractString(_raw, 'requestId') AS id, count() AS n FROM ${T} GROUP BY id ORDER BY n DESC LIMIT 10`,
  },
]

step('starting sluice (ROLE=all, embedded chDB)')
const sluice = await startSluice({ env: { ROLE: 'all' } })
await sluice.ready()
step(`storing ${bodies} bodies of 6 MB`)
const report = await load({ url: `${sluice.url}/v1/queries`, bodyFile: bodyFile('log-6mb.json', body), headers: ingestHeaders(), concurrency: 2, requests: bodies })
expectOnly(report)
const rows = answered(report) * eventsPerBody
await untilRows(sluice, 'queries', rows, 120_000)

for (const q of QUERIES) {
  step(`${q.name} over ${rows} rows`)
  const ms = await interleaved(quick ? 5 : 15, 2, { json: () => sluice.query(q.sql), raw: () => sluice.query(q.raw) })
  figure({
    id: `queries.${q.id}.ms`,
    bench: 'queries',
    name: `query: ${q.name}, ${rows} rows`,
    value: ms.json!,
    unit: 'ms',
    better: 'lower',
    baseline: { name: 'the same from _raw with JSONExtract', value: ms.raw! },
    detail: { rows, sql: q.sql },
  })
}
await sluice.stop()
process.exit(0)
