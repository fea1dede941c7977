// Which ClickHouse a test run writes to: the embedded engine, or in server mode (test/server-mode.ts)
// the server CLICKHOUSE_URL names. A sluice process a test starts follows the run.
import { createHash } from 'node:crypto'

/** The server of a server-mode run; undefined when the run uses the embedded engine. */
export const serverUrl: string | undefined = process.env.CLICKHOUSE_URL || undefined

/**
 * Where a sluice process on `dataDir` keeps its events, and the environment that says so. Embedded:
 * the engine in DATA_DIR, database `sluice`. Server mode: a database named after DATA_DIR, so the
 * process finds its events again when restarted on the same DATA_DIR, and no two tests share one.
 */
export function processClickHouse(dataDir: string): { database: string; env: Record<string, string> } {
  if (serverUrl === undefined) return { database: 'sluice', env: { CLICKHOUSE_URL: '' } }
  const database = `sluice_${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`
  return { database, env: { CLICKHOUSE_URL: serverUrl, CLICKHOUSE_DATABASE: database } }
}
