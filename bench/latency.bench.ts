// Issue row 5 and the concurrency sweep: 6 MB POST -> 202 at 1, 4 and 16 concurrent clients on a
// fresh ingest node each (ROLE=ingest, its own nats-server, so each peak RSS is that level's own),
// against the bare drain server at the same concurrency.
//   bun bench/latency.bench.ts
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { startSluice, startToolServer } from './lib/processes'

const { quick } = benchOptions()
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const file = bodyFile('log-6mb.json', body)
/** Requests per level: enough for a p99 that is not just the maximum in a full run. */
const requestsAt = (c: number) => (quick ? 6 * Math.max(2, c) : Math.max(200, 25 * c))

for (const concurrency of [1, 4, 16]) {
  const requests = requestsAt(concurrency)
  step(`concurrency ${concurrency}: starting a fresh ingest node`)
  const [sluice, drain] = await Promise.all([startSluice({ env: { ROLE: 'ingest' } }), startToolServer('drain-server.ts')])
  await sluice.ready()
  await load({ url: `${sluice.url}/v1/latency`, bodyFile: file, headers: ingestHeaders(), concurrency, requests: 4 })
  step(`concurrency ${concurrency}: ${requests} requests to the drain server`)
  const base = await load({ url: `${drain.url}/`, bodyFile: file, concurrency, requests })
  step(`concurrency ${concurrency}: ${requests} requests to sluice`)
  const measured = await load({ url: `${sluice.url}/v1/latency`, bodyFile: file, headers: ingestHeaders(), concurrency, requests })
  // Past INGEST_MAX_INFLIGHT_BYTES the node answers 503 at once (a bound, not a failure): counted.
  expectOnly(measured, ['202', '503'])
  const refused = measured.statuses['503'] ?? 0
  const rssMb = sluice.peakRssMb()
  const drainRssMb = drain.peakRssMb()
  await Promise.all([sluice.stop(), drain.stop()])
  figure({
    id: `latency.c${concurrency}.p99`,
    bench: 'latency',
    row: concurrency === 1 ? 5 : undefined,
    name: `6 MB POST -> 202, ${concurrency} client${concurrency > 1 ? 's' : ''}, p99`,
    value: measured.latencyMs.p99,
    unit: 'ms',
    better: 'lower',
    baseline: { name: 'bare drain server, p99', value: base.latencyMs.p99 },
    detail: {
      requests,
      refused503: refused,
      p50Ms: measured.latencyMs.p50,
      p95Ms: measured.latencyMs.p95,
      p99Ms: measured.latencyMs.p99,
      drainP50Ms: base.latencyMs.p50,
      mbPerS: (answered(measured) * body.length) / 1e6 / (measured.elapsedMs / 1000),
      peakRssMb: rssMb,
      drainPeakRssMb: drainRssMb,
    },
  })
}
process.exit(0)
