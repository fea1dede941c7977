// Issue row 3: 10-event requests from 64 concurrent clients (a generator process) to an ingest node
// (ROLE=ingest, its own nats-server), against a bare Bun server that only drains the body, each a
// process of its own. Rounds alternate between the two so both see the same machine load. A second
// figure sends every request with an Idempotency-Key of its own, whose chunks never share messages.
//   bun bench/small-requests.bench.ts
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchOptions, figure, step } from './lib/figures'
import { smallRequestBody } from './fixtures'
import { bodyFile, expectOnly, ingestHeaders, load, type LoadReport } from './lib/load'
import { startSluice, startToolServer } from './lib/processes'
import { median } from './lib/stats'

const { quick, profileDir } = benchOptions()
const rounds = quick ? 1 : 3
const durationMs = quick ? 2500 : 6000
const file = bodyFile('small.json', smallRequestBody())

step('starting the ingest node and the drain server')
const sluice = await startSluice({ env: { ROLE: 'ingest' }, profileDir: profileDir && join(profileDir, 'small-requests') })
const drain = await startToolServer('drain-server.ts')
await sluice.ready()
const sluiceUrl = `${sluice.url}/v1/small`
await load({ url: sluiceUrl, bodyFile: file, headers: ingestHeaders(), concurrency: 64, durationMs: 1000 })

const reqPerS = (r: LoadReport) => r.requests / (r.elapsedMs / 1000)
/**
 * CPU time (user + system) a process has used, in ms: what a request costs the ingest node holds
 * still on a shared machine where req/s does not. Fields 14 and 15 of /proc/<pid>/stat, in clock
 * ticks (100 per second on Linux; man 5 proc).
 */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}
const cpuUsPerRequest: number[] = []
const keyedRuns: LoadReport[] = []
const keyedCpuUsPerRequest: number[] = []
const sluiceRuns: LoadReport[] = []
const drainRuns: LoadReport[] = []
for (let round = 0; round < rounds; round++) {
  step(`round ${round + 1}/${rounds}: bare drain server`)
  drainRuns.push(await load({ url: `${drain.url}/`, bodyFile: file, headers: ingestHeaders(), concurrency: 64, durationMs }))
  step(`round ${round + 1}/${rounds}: sluice`)
  const cpuBefore = cpuMs(sluice.pid)
  const r = await load({ url: sluiceUrl, bodyFile: file, headers: ingestHeaders(), concurrency: 64, durationMs })
  cpuUsPerRequest.push(((cpuMs(sluice.pid) - cpuBefore) * 1000) / r.requests)
  expectOnly(r)
  sluiceRuns.push(r)
  // Each request with an Idempotency-Key of its own: its chunks never share a JetStream message.
  step(`round ${round + 1}/${rounds}: sluice, every request with its own Idempotency-Key`)
  const keyedCpuBefore = cpuMs(sluice.pid)
  const k = await load({ url: sluiceUrl, bodyFile: file, headers: ingestHeaders(), concurrency: 64, durationMs, uniqueIdempotencyKeys: true })
  keyedCpuUsPerRequest.push(((cpuMs(sluice.pid) - keyedCpuBefore) * 1000) / k.requests)
  expectOnly(k)
  keyedRuns.push(k)
}
const rssMb = sluice.peakRssMb()
await Promise.all([sluice.stop(), drain.stop()])

const best = sluiceRuns.map(reqPerS)
figure({
  id: 'small-requests.rps',
  bench: 'small-requests',
  row: 3,
  name: '10-event requests, 64 clients: ingest node',
  value: median(best),
  unit: 'req/s',
  better: 'higher',
  baseline: { name: 'bare Bun server draining the body', value: median(drainRuns.map(reqPerS)) },
  detail: { eventsPerS: median(best) * 10, cpuUsPerRequest: Math.round(median(cpuUsPerRequest)), p50Ms: sluiceRuns[0]!.latencyMs.p50, p99Ms: sluiceRuns[0]!.latencyMs.p99, drainP99Ms: drainRuns[0]!.latencyMs.p99, peakRssMb: rssMb },
})
figure({
  id: 'small-requests.keyed-rps',
  bench: 'small-requests',
  name: '10-event requests, 64 clients, each with its own Idempotency-Key: ingest node',
  value: median(keyedRuns.map(reqPerS)),
  unit: 'req/s',
  better: 'higher',
  baseline: { name: 'bare Bun server draining the body', value: median(drainRuns.map(reqPerS)) },
  detail: { cpuUsPerRequest: Math.round(median(keyedCpuUsPerRequest)), p50Ms: keyedRuns[0]!.latencyMs.p50, p99Ms: keyedRuns[0]!.latencyMs.p99 },
})
process.exit(0)
