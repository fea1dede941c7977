// "Both cores": does a second ingest process on the same machine pay? Bun runs JavaScript on one
// thread, so one ingest node uses at most one core for its own work. Two ingest nodes on one NATS,
// each given half of the same load, against one node given all of it (4 clients of 6 MB bodies).
// A ratio well above 1 would make several processes per port (SO_REUSEPORT) worth a setting.
//   bun bench/both-cores.bench.ts
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { bodyFile, expectOnly, ingestHeaders, load, type LoadReport } from './lib/load'
import { benchNats } from './lib/nats'
import { startSluice } from './lib/processes'

const { quick } = benchOptions()
const durationMs = quick ? 3000 : 10_000
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const file = bodyFile('log-6mb.json', body)
const nats = await benchNats()
const env = { ROLE: 'ingest', NATS_URL: nats.url }

step('starting two ingest nodes on one NATS')
const nodes = await Promise.all([startSluice({ env }), startSluice({ env })])
await Promise.all(nodes.map((n) => n.ready()))
const urls = nodes.map((n) => `${n.url}/v1/bench`)
await Promise.all(urls.map((url) => load({ url, bodyFile: file, headers: ingestHeaders(), concurrency: 2, durationMs: 1000 })))

const mbps = (reports: LoadReport[]) => reports.reduce((sum, r) => sum + (r.requests * body.length) / 1e6 / (r.elapsedMs / 1000), 0)
step(`one node, 4 clients for ${durationMs / 1000} s`)
const one = [await load({ url: urls[0]!, bodyFile: file, headers: ingestHeaders(), concurrency: 4, durationMs })]
step(`two nodes, 2 clients each for ${durationMs / 1000} s`)
const two = await Promise.all(urls.map((url) => load({ url, bodyFile: file, headers: ingestHeaders(), concurrency: 2, durationMs })))
for (const report of [...one, ...two]) expectOnly(report)
await Promise.all(nodes.map((n) => n.stop()))
await nats.stop()

figure({
  id: 'both-cores.mbps',
  bench: 'both-cores',
  name: 'two ingest processes, 2 clients each of 6 MB bodies',
  value: mbps(two),
  unit: 'MB/s',
  better: 'higher',
  baseline: { name: 'one ingest process, 4 clients', value: mbps(one) },
  detail: { oneP99Ms: one[0]!.latencyMs.p99, twoP99Ms: Math.max(...two.map((r) => r.latencyMs.p99)) },
})
process.exit(0)
