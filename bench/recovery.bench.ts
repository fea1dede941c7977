// Recovery after a crash under load: the embedded default (ROLE=all) takes 500-event requests at
// 10,000 events/s (about half what it sustains here, so no backlog hides the recovery), is SIGKILLed with its nats-server mid-load (a machine crash), and started again on the
// same DATA_DIR. Figure: from the restart to every event answered 202 queryable; baseline: a cold
// start of the same set-up on an empty DATA_DIR, to ready.
//   bun bench/recovery.bench.ts
import { benchOptions, figure, step } from './lib/figures'
import { eventsBody } from './fixtures'
import { answered, bodyFile, ingestHeaders, load } from './lib/load'
import { startSluice, tempDir } from './lib/processes'
import { countRows, untilRows } from './lib/rows'

const { quick } = benchOptions()
const EVENTS = 500
const RATE = 20
const file = bodyFile('log-500.json', eventsBody(EVENTS))
const loadMs = quick ? 2000 : 8000
const dataDir = tempDir('recovery')

step('cold start on an empty DATA_DIR')
let t0 = Date.now()
const first = await startSluice({ env: { ROLE: 'all' }, dataDir })
await first.ready()
const coldStartMs = Date.now() - t0

step(`${RATE} requests/s of ${EVENTS} events; SIGKILL after ${loadMs / 1000} s`)
// The generator stops starting requests just after the crash: requests in flight then are unanswered.
const running = load({ url: `${first.url}/v1/recovery`, bodyFile: file, headers: ingestHeaders(), concurrency: 32, ratePerS: RATE, durationMs: loadMs + 100 })
await Bun.sleep(loadMs)
await first.crash()
const report = await running
const acceptedEvents = answered(report) * EVENTS

step(`restarting on the same DATA_DIR; waiting for ${acceptedEvents} rows`)
t0 = Date.now()
const second = await startSluice({ env: { ROLE: 'all' }, dataDir })
await second.ready(120_000)
const readyMs = Date.now() - t0
const landedAt = await untilRows(second, 'recovery', acceptedEvents, 180_000)
const recoveredMs = landedAt - t0
const stored = await countRows(second, 'recovery')
await second.stop()

figure({
  id: 'recovery.ms',
  bench: 'recovery',
  name: 'crash under load: restart -> every 202 event queryable',
  value: recoveredMs,
  unit: 'ms',
  better: 'lower',
  baseline: { name: 'cold start to ready, empty DATA_DIR', value: coldStartMs },
  detail: { restartReadyMs: readyMs, acceptedEvents, storedEvents: stored, unansweredRequests: report.statuses.error ?? 0 },
})
process.exit(0)
