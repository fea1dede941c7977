// Server mode: the pipeline and fault tests again, against a real ClickHouse server (CLICKHOUSE_URL)
// instead of the embedded engine. Starts one test server, runs `bun test` on the files below with
// CLICKHOUSE_URL pointing at it, and exits with bun test's status. `npm test` runs it after the
// embedded pass; `bun test/server-mode.ts <files>` runs a subset.
import { startTestClickHouseServer } from './support/clickhouse-server'

/**
 * The files whose outcome depends on the ClickHouse behind sluice: the pipeline, the fault tests, the
 * sink, and what /query and the console answer. Each takes its ClickHouse from
 * test/support/clickhouse.ts (or clickhouse-mode.ts for the processes it starts). Left out: tests
 * of ingest, NATS and the batcher's own logic, which no backend changes (batcher-pull,
 * batcher-lifecycle, retry-window: a minute together).
 */
export const SERVER_MODE_FILES = [
  'test/integration/pipeline.test.ts',
  'test/integration/crash-restart.test.ts',
  'test/integration/recovery.test.ts',
  'test/integration/batcher-redelivery.test.ts',
  'test/integration/sink.test.ts',
  'test/integration/ttl-change.test.ts',
  'test/integration/free-field-types.test.ts',
  'test/integration/poison-events.test.ts',
  'test/integration/idempotency.test.ts',
  'test/integration/query-attacks.test.ts',
  'test/integration/query-limits.test.ts',
  'test/integration/console-api.test.ts',
  'test/integration/batcher-outage.test.ts',
  'test/integration/query-sandbox-holes.test.ts',
  'test/integration/query-cli-output.test.ts',
  'test/integration/console-time-range.test.ts',
  'test/integration/tail-future-stamps.test.ts',
]

const files = process.argv.length > 2 ? process.argv.slice(2) : SERVER_MODE_FILES
const started = Date.now()
const server = await startTestClickHouseServer()
const version = (await server.query('SELECT version()')).trim()
console.log(`server mode: ClickHouse ${version} at ${server.url}, ${files.length} test files`)
const run = Bun.spawn([process.execPath, 'test', ...files], {
  cwd: `${import.meta.dir}/..`,
  env: { ...process.env, CLICKHOUSE_URL: server.url },
  stdio: ['inherit', 'inherit', 'inherit'],
})
const status = await run.exited
// The tests' own databases prove they wrote to this server: a support module that quietly fell back
// to the embedded engine would pass here without testing the server at all.
const databases = Number(await server.query("SELECT count() FROM system.databases WHERE name LIKE 'sluice%'"))
await server.stop()
const ok = status === 0 && databases > 0
const why = status !== 0 ? `bun test exited ${run.signalCode ?? status}` : databases === 0 ? 'no test wrote to the server' : ''
console.log(`server mode: ${ok ? 'passed' : `failed (${why})`}, ${databases} databases on the server, ${((Date.now() - started) / 1000).toFixed(0)} s`)
process.exit(ok ? 0 : 1)
