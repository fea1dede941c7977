// End-to-end lag of the embedded default (ROLE=all): from a request's 202 to its events being
// queryable, at half the sustained maximum, measured first in the same run. Requests of 500 log
// events (~160 KB) arrive at a fixed rate (open loop); the table's row count is polled every 25 ms
// and each request is matched to the first poll that holds all rows accepted up to it (the
// batcher writes in arrival order per dataset, so this is each request's lag, to the poll's
// resolution). Baseline: BATCH_FLUSH_INTERVAL_MS, the wait the batcher is configured to add.
//   bun bench/lag.bench.ts
import { loadConfig } from '../src/config'
import { benchOptions, figure, step } from './lib/figures'
import { eventsBody } from './fixtures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { startSluice } from './lib/processes'
import { countRows, untilRows } from './lib/rows'
import { latencies } from './lib/stats'

const { quick } = benchOptions()
const EVENTS = 500
const file = bodyFile('log-500.json', eventsBody(EVENTS))
const flushMs = loadConfig({}).batch.flushIntervalMs

step('starting sluice (ROLE=all, embedded chDB)')
const sluice = await startSluice({ env: { ROLE: 'all' } })
await sluice.ready()

step(`sustained maximum: 8 clients of ${EVENTS}-event requests`)
const maxReport = await load({ url: `${sluice.url}/v1/lag_max`, bodyFile: file, headers: ingestHeaders(), concurrency: 8, durationMs: quick ? 2000 : 8000 })
expectOnly(maxReport)
const maxEvents = answered(maxReport) * EVENTS
const landedAt = await untilRows(sluice, 'lag_max', maxEvents, 120_000)
const sustained = maxEvents / ((landedAt - maxReport.startMs) / 1000)
const rate = sustained / 2 / EVENTS

step(`at half of ${Math.round(sustained)} events/s: ${rate.toFixed(1)} requests/s`)
const polls: { at: number; rows: number }[] = []
let polling = true
const poller = (async () => {
  while (polling) {
    polls.push({ at: Date.now(), rows: await countRows(sluice, 'lag') })
    await Bun.sleep(25)
  }
})()
const report = await load({ url: `${sluice.url}/v1/lag`, bodyFile: file, headers: ingestHeaders(), concurrency: 64, ratePerS: rate, durationMs: quick ? 4000 : 20_000, recordAccepted: true })
expectOnly(report)
await untilRows(sluice, 'lag', answered(report) * EVENTS, 120_000)
polling = false
await poller
polls.push({ at: Date.now(), rows: answered(report) * EVENTS })
const rssMb = sluice.peakRssMb()
await sluice.stop()

const accepted = report.accepted202At!.sort((a, b) => a - b)
const lags: number[] = []
let p = 0
accepted.forEach((at, k) => {
  while (polls[p]!.rows < (k + 1) * EVENTS) p++
  lags.push(Math.max(0, polls[p]!.at - at))
})
const lag = latencies(lags)
figure({
  id: 'lag.p50',
  bench: 'lag',
  name: `202 -> queryable at half the sustained maximum, p50 (p99 ${Math.round(lag.p99)} ms)`,
  value: lag.p50,
  unit: 'ms',
  better: 'lower',
  baseline: { name: 'BATCH_FLUSH_INTERVAL_MS', value: flushMs },
  detail: { p50Ms: lag.p50, p95Ms: lag.p95, p99Ms: lag.p99, sustainedEventsPerS: sustained, requestsPerS: rate, requests: accepted.length, late: report.late ?? 0, peakRssMb: rssMb },
})
process.exit(0)
