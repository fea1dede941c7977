// What the design buys: sluice (ROLE=ingest) against the obvious implementation
// (bench/tools/naive-server.ts: request.json(), Value.Check, JSON.stringify and one awaited publish
// per event), both on the same nats-server, both under the same load generator: 4 clients of 6 MB
// bodies, then 64 clients of 10-event requests.
//   bun bench/naive.bench.ts
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents, smallRequestBody } from './fixtures'
import { bodyFile, expectOnly, ingestHeaders, load, type LoadReport } from './lib/load'
import { benchNats } from './lib/nats'
import { BENCH_KEY, startSluice, startToolServer } from './lib/processes'

const { quick } = benchOptions()
const durationMs = quick ? 2000 : 8000
const large = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const loads = [
  { id: 'large', name: '4 clients of 6 MB bodies', file: bodyFile('log-6mb.json', large), concurrency: 4, bytes: large.length },
  { id: 'small', name: '64 clients of 10-event requests', file: bodyFile('small.json', smallRequestBody()), concurrency: 64, bytes: 0 },
]

step('starting nats-server, sluice and the naive server on it')
const nats = await benchNats()
const sluice = await startSluice({ env: { ROLE: 'ingest', NATS_URL: nats.url } })
const naive = await startToolServer('naive-server.ts', { NATS_URL: nats.url, API_KEY: BENCH_KEY })
await sluice.ready()

const perS = (r: LoadReport) => r.requests / (r.elapsedMs / 1000)
for (const l of loads) {
  const run = async (who: string, url: string): Promise<LoadReport> => {
    await load({ url, bodyFile: l.file, headers: ingestHeaders(), concurrency: l.concurrency, requests: l.concurrency })
    step(`${l.name}: ${who} for ${durationMs / 1000} s`)
    const r = await load({ url, bodyFile: l.file, headers: ingestHeaders(), concurrency: l.concurrency, durationMs })
    expectOnly(r, ['202'], who)
    return r
  }
  const naiveReport = await run('naive', `${naive.url}/v1/naive`)
  const sluiceReport = await run('sluice', `${sluice.url}/v1/naive`)
  figure({
    id: `naive.${l.id}.rps`,
    bench: 'naive',
    name: `sluice vs the naive implementation, ${l.name}`,
    value: perS(sluiceReport),
    unit: 'req/s',
    better: 'higher',
    baseline: { name: 'naive: request.json(), Value.Check, stringify and awaited publish per event', value: perS(naiveReport) },
    detail: { sluiceP99Ms: sluiceReport.latencyMs.p99, naiveP99Ms: naiveReport.latencyMs.p99, ...(l.bytes ? { sluiceMbPerS: (perS(sluiceReport) * l.bytes) / 1e6, naiveMbPerS: (perS(naiveReport) * l.bytes) / 1e6 } : {}) },
  })
}
await Promise.all([sluice.stop(), naive.stop()])
await nats.stop()
process.exit(0)
