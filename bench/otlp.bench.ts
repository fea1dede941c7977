// OTLP/HTTP protobuf logs through one ingest node (ROLE=ingest, its own nats-server), 4 clients:
// records/s against the JSON-array path's events/s for the same events (the very events sluice
// maps the records to), in the same run. Every request carries an Idempotency-Key of its own on
// both paths, so neither is stored as a retry of another.
//   bun bench/otlp.bench.ts
import { decodeExport } from '../src/otlp/decode'
import { mapRecords } from '../src/otlp/records'
import { protobufBody } from '../test/support/otlp-bodies'
import { otlpLogs } from './fixtures'
import { benchOptions, figure, step } from './lib/figures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { startSluice } from './lib/processes'

const { quick } = benchOptions()
const durationMs = quick ? 1000 : 5000
/** Records per export: a Collector's batch (the SDKs send 512). */
const RECORDS = 4096

const protobuf = protobufBody('logs', otlpLogs(RECORDS))
// The same events on the Events API: exactly what sluice stores for those records.
const lines: string[] = []
const decoded = decodeExport('logs', 'protobuf', protobuf)
mapRecords('logs', decoded.request, decoded.codec, (line) => lines.push(line))
const jsonArray = new TextEncoder().encode(`[${lines.join(',')}]`)

step('starting the ingest node')
const sluice = await startSluice({ env: { ROLE: 'ingest' } })
await sluice.ready()
const paths = [
  { id: 'json', url: `${sluice.url}/v1/otlp-bench-json`, file: bodyFile('otlp-events.json', jsonArray), headers: ingestHeaders(), ok: '202' },
  { id: 'otlp', url: `${sluice.url}/otlp/v1/logs`, file: bodyFile('otlp-logs.pb', protobuf), headers: ingestHeaders({ 'content-type': 'application/x-protobuf', 'x-dataset': 'otlp-bench' }), ok: '200' },
]
const perSecond = new Map<string, number>()
for (const path of paths) {
  await load({ url: path.url, bodyFile: path.file, headers: path.headers, concurrency: 4, requests: 4, uniqueIdempotencyKeys: true })
  step(`${path.id}: ${RECORDS} events a request (${(path.id === 'otlp' ? protobuf.length : jsonArray.length) / 1e6} MB), 4 clients for ${durationMs / 1000} s`)
  const r = await load({ url: path.url, bodyFile: path.file, headers: path.headers, concurrency: 4, durationMs, uniqueIdempotencyKeys: true })
  expectOnly(r, [path.ok], path.id)
  perSecond.set(path.id, (answered(r, [path.ok]) * RECORDS) / (r.elapsedMs / 1000))
}
await sluice.stop()

figure({
  id: 'otlp.logs.records_per_s',
  bench: 'otlp',
  name: `ingest node, 4 clients: OTLP/HTTP protobuf logs, ${RECORDS} records a request`,
  value: perSecond.get('otlp')!,
  unit: 'records/s',
  better: 'higher',
  baseline: { name: 'the same events as a JSON array to /v1/<dataset>', value: perSecond.get('json')! },
  detail: { protobufBytes: protobuf.length, jsonArrayBytes: jsonArray.length, records: RECORDS },
})
process.exit(0)
