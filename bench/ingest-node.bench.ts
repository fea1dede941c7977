// Issue row 1: an ingest node (ROLE=ingest, its own nats-server) under 4 clients of ~6 MB bodies,
// against raw JetStream publishing of the same bytes in 1 MB messages, 32 in flight, on a
// nats-server of the same kind.
//   bun bench/ingest-node.bench.ts
import { join } from 'node:path'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { benchNats } from './lib/nats'
import { runTool, startSluice } from './lib/processes'

const { quick, profileDir } = benchOptions()
const durationMs = quick ? 3000 : 10_000
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const file = bodyFile('log-6mb.json', body)

step('starting the ingest node')
const sluice = await startSluice({ env: { ROLE: 'ingest' }, profileDir: profileDir && join(profileDir, 'ingest-node') })
await sluice.ready()
const url = `${sluice.url}/v1/bench`
await load({ url, bodyFile: file, headers: ingestHeaders(), concurrency: 4, durationMs: 1000 })
step(`4 clients of 6 MB for ${durationMs / 1000} s`)
const report = await load({ url, bodyFile: file, headers: ingestHeaders(), concurrency: 4, durationMs })
expectOnly(report)
const rssMb = sluice.peakRssMb()
await sluice.stop()

step('raw JetStream publishing, 1 MB messages, 32 in flight')
const nats = await benchNats()
const raw = await runTool<{ bytes: number; elapsedMs: number }>('js-publish.ts', { natsUrl: nats.url, bodyFile: file, durationMs })
await nats.stop()

const mbps = (report.requests * body.length) / 1e6 / (report.elapsedMs / 1000)
figure({
  id: 'ingest-node.mbps',
  bench: 'ingest-node',
  row: 1,
  name: 'ingest node (ROLE=ingest), 4 clients of 6 MB bodies',
  value: mbps,
  unit: 'MB/s',
  better: 'higher',
  baseline: { name: 'raw JetStream publish, 1 MB messages, 32 in flight', value: raw.bytes / 1e6 / (raw.elapsedMs / 1000) },
  detail: { requests: report.requests, p50Ms: report.latencyMs.p50, p99Ms: report.latencyMs.p99, peakRssMb: rssMb },
})
process.exit(0)
