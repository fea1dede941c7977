// Issue row 4: the embedded default (ROLE=all: its own nats-server, chDB in DATA_DIR) under 4
// clients of 6 MB bodies: events per second from the first POST to the last row queryable, against
// chDB's native insert (Session.insert of raw bytes) of the same rows into the same table layout.
//   bun bench/embedded.bench.ts
import { join } from 'node:path'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { runTool, scrapeMetric, startSluice, tempDir } from './lib/processes'
import { untilRows } from './lib/rows'

const { quick, profileDir } = benchOptions()
// Quick: a fixed 6 bodies (~115k events), since the rows of 4 s of load take half a minute to land.
const durationMs = 10_000
const requests = quick ? 6 : undefined
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const eventsPerBody = (JSON.parse(new TextDecoder().decode(body)) as unknown[]).length
const file = bodyFile('log-6mb.json', body)

// The baseline runs before and after sluice, and the two are pooled: on a shared machine the load
// changes within a run, and one baseline taken after sluice alone moved the ratio by 2x.
type Native = { events: number; insertMs: number }
const nativeInsert = (copies: number) => runTool<Native>('chdb-insert.ts', { dir: tempDir('chdb'), copies, bodiesPerInsert: 4 })
step('chDB native insert of the same rows (before)')
const nativeBefore = await nativeInsert(requests ?? 12)

step('starting sluice (ROLE=all, embedded chDB)')
const sluice = await startSluice({ env: { ROLE: 'all' }, profileDir: profileDir && join(profileDir, 'embedded') })
await sluice.ready()
step(requests ? `4 clients, ${requests} bodies of 6 MB` : `4 clients of 6 MB for ${durationMs / 1000} s`)
const report = await load({ url: `${sluice.url}/v1/embedded`, bodyFile: file, headers: ingestHeaders(), concurrency: 4, durationMs, requests })
expectOnly(report)
const events = answered(report) * eventsPerBody
step(`waiting for ${events} rows`)
// Polled every 100 ms: finer would add query load to the process measured (and profiled).
const queryableAt = await untilRows(sluice, 'embedded', events, 180_000, 100)
// Where the time went: the batcher's inserts (count and total seconds) and events it wrote,
// which exceed the rows when redelivered messages were written again (deduplicated by ClickHouse).
const inserts = await scrapeMetric(sluice, 'sluice_insert_duration_seconds_count')
const insertSeconds = await scrapeMetric(sluice, 'sluice_insert_duration_seconds_sum')
const eventsInserted = await scrapeMetric(sluice, 'sluice_events_inserted_total')
const rssMb = sluice.peakRssMb()
await sluice.stop()
const endToEndS = (queryableAt - report.startMs) / 1000

step('chDB native insert of the same rows (after)')
// About as many bodies as sluice took, in batches of ~26 MB (the batcher flushes at 32 MB).
const nativeAfter = await nativeInsert(Math.min(24, Math.max(4, answered(report))))
const native: Native = { events: nativeBefore.events + nativeAfter.events, insertMs: nativeBefore.insertMs + nativeAfter.insertMs }

figure({
  id: 'embedded.eps',
  bench: 'embedded',
  row: 4,
  name: 'embedded default (ROLE=all), 4 clients of 6 MB: first POST to last row queryable',
  value: events / endToEndS,
  unit: 'events/s',
  better: 'higher',
  baseline: { name: "chDB's native insert of the same rows, same table (before and after, pooled)", value: native.events / (native.insertMs / 1000) },
  detail: { events, endToEndS, inserts, insertSeconds, eventsInserted, acceptedS: report.elapsedMs / 1000, p99Ms: report.latencyMs.p99, peakRssMb: rssMb, nativeEvents: native.events, nativeBeforeEps: nativeBefore.events / (nativeBefore.insertMs / 1000), nativeAfterEps: nativeAfter.events / (nativeAfter.insertMs / 1000) },
})
process.exit(0)
