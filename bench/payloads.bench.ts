// Body shapes and encodings through one ingest node (ROLE=ingest, its own nats-server), 4 clients:
// each variant's MB/s (of JSON, uncompressed) against the standard ~300-byte log events in the same
// run. Variants: gzip, many ~100-byte events, few ~200 KB events, deeply nested, 5% invalid (400).
//   bun bench/payloads.bench.ts
import { gzipSync } from 'node:zlib'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { jsonArray, makeDeepEvent, makeLargeEvent, makeLogEvent, makeMostlyValidEvent, makeTinyEvent } from './fixtures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { startSluice } from './lib/processes'

const { quick } = benchOptions()
const durationMs = quick ? 1000 : 5000
const SIZE = MAX_BODY_BYTES - 64 * 1024
const log = jsonArray(SIZE, makeLogEvent)

interface Variant {
  id: string
  name: string
  json: Uint8Array
  gzip?: boolean
  /** 400 when some events are refused. */
  status: string
}
const variants: Variant[] = [
  { id: 'log', name: '~300-byte log events', json: log, status: '202' },
  { id: 'gzip', name: 'gzip body of the same events', json: log, gzip: true, status: '202' },
  { id: 'tiny', name: 'many ~100-byte events', json: jsonArray(SIZE, makeTinyEvent), status: '202' },
  { id: 'large', name: 'few ~200 KB events', json: jsonArray(SIZE, makeLargeEvent), status: '202' },
  { id: 'deep', name: 'events nested ~60 levels deep', json: jsonArray(SIZE, makeDeepEvent), status: '202' },
  { id: 'invalid', name: '5% invalid events (answered 400)', json: jsonArray(SIZE, makeMostlyValidEvent), status: '400' },
]

step('starting the ingest node')
const sluice = await startSluice({ env: { ROLE: 'ingest' } })
await sluice.ready()
const url = `${sluice.url}/v1/payloads`
const results = new Map<string, { mbps: number; eventsPerS: number; events: number; wireBytes: number }>()
for (const v of variants) {
  const wire = v.gzip ? gzipSync(v.json) : v.json
  const file = bodyFile(`${v.id}.body`, wire)
  const headers = ingestHeaders(v.gzip ? { 'content-encoding': 'gzip' } : {})
  const events = (JSON.parse(new TextDecoder().decode(v.json)) as unknown[]).length
  await load({ url, bodyFile: file, headers, concurrency: 4, requests: 4 })
  step(`${v.name}: ${events} events, ${(wire.length / 1e6).toFixed(2)} MB on the wire, 4 clients for ${durationMs / 1000} s`)
  const r = await load({ url, bodyFile: file, headers, concurrency: 4, durationMs })
  expectOnly(r, [v.status], v.id)
  const seconds = r.elapsedMs / 1000
  results.set(v.id, { mbps: (answered(r, [v.status]) * v.json.length) / 1e6 / seconds, eventsPerS: (answered(r, [v.status]) * events) / seconds, events, wireBytes: wire.length })
}
await sluice.stop()

const base = results.get('log')!
for (const v of variants.slice(1)) {
  const r = results.get(v.id)!
  figure({
    id: `payloads.${v.id}.mbps`,
    bench: 'payloads',
    name: `ingest node, 4 clients: ${v.name}`,
    value: r.mbps,
    unit: 'MB/s',
    better: 'higher',
    baseline: { name: '~300-byte log events, identity', value: base.mbps },
    detail: { eventsPerS: r.eventsPerS, eventsPerBody: r.events, wireBytes: r.wireBytes, baselineEventsPerS: base.eventsPerS },
  })
}
process.exit(0)
