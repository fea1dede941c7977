// "Both cores": INGEST_PROCESSES=2 (two ingest processes sharing one port through SO_REUSEPORT)
// against one process, each under 4 clients of 6 MB bodies on the same NATS. Bun runs JavaScript on
// one thread, so one ingest process uses at most one core for its own work.
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
const mbps = (r: LoadReport) => (r.requests * body.length) / 1e6 / (r.elapsedMs / 1000)

async function measure(processes: number): Promise<LoadReport> {
  step(`INGEST_PROCESSES=${processes}: starting`)
  const sluice = await startSluice({ env: { ROLE: 'ingest', NATS_URL: nats.url, INGEST_PROCESSES: String(processes) } })
  await sluice.ready()
  // The others start after the first listens: give them time to join the port.
  await Bun.sleep(processes > 1 ? 3000 : 0)
  const url = `${sluice.url}/v1/bench`
  await load({ url, bodyFile: file, headers: ingestHeaders(), concurrency: 4, durationMs: 1000 })
  step(`INGEST_PROCESSES=${processes}: 4 clients for ${durationMs / 1000} s`)
  const report = await load({ url, bodyFile: file, headers: ingestHeaders(), concurrency: 4, durationMs })
  expectOnly(report)
  await sluice.stop()
  return report
}

const one = await measure(1)
const two = await measure(2)
await nats.stop()

figure({
  id: 'both-cores.mbps',
  bench: 'both-cores',
  name: 'INGEST_PROCESSES=2 (one port), 4 clients of 6 MB bodies',
  value: mbps(two),
  unit: 'MB/s',
  better: 'higher',
  baseline: { name: 'one ingest process', value: mbps(one) },
  detail: { oneP99Ms: one.latencyMs.p99, twoP99Ms: two.latencyMs.p99 },
})
process.exit(0)
