// One ClickHouse for the whole test process: chDB binds a single data directory per process and
// every bun test file runs in that one process. Each caller gets its own database to play in.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type Config } from '../../src/config'
import { createClickHouse, createQueryClickHouse, type ClickHouseClient, type QueryConnection } from '../../src/sink/clickhouse'

export interface TestClickHouse {
  client: ClickHouseClient
  /** A fresh database name for this caller (created on first use by the sink). */
  database: string
  /** Pass as DATA_DIR to code that calls createClickHouse itself: it lands on the same chDB path. */
  dataDir: string
  /** `clickhouse` section of a Config pointing at the shared engine and this caller's database. */
  config: Config['clickhouse']
  /** Opens a query session on the same engine (as sluice's own query sessions are, apart from the insert session). */
  openQuery(): QueryConnection
}

let shared: { client: ClickHouseClient; dataDir: string; base: Config['clickhouse'] } | undefined

function open(): NonNullable<typeof shared> {
  // CLICKHOUSE_URL (and user/password) come through the one module that reads the environment.
  const base = loadConfig().clickhouse
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-test-'))
  const client = createClickHouse(base, dataDir)
  process.once('exit', () => {
    // close() reaches chDB's synchronous session close before its first await; exit allows no more.
    void client.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return { client, dataDir, base }
}

export function testClickHouse(): TestClickHouse {
  shared ??= open()
  const database = `sluice_test_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`
  const { base, dataDir } = shared
  const config = { ...base, database, ttlDays: 0 }
  return { client: shared.client, dataDir, database, config, openQuery: () => createQueryClickHouse(config, dataDir) }
}
