// One ClickHouse for the whole test process: chDB binds a single data directory per process and
// every bun test file runs in that one process. Each caller gets its own database to play in.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { loadConfig, type Config } from '../../src/config'
import { embeddedPath, embeddedQueryConnection, EmbeddedStore } from '../../src/store/embedded-store'
import type { QueryConnection } from '../../src/store/query-sessions'
import { serverQueryConnection, ServerStore } from '../../src/store/server-store'

export interface TestClickHouse {
  /** The shared Store, as sluice's roles take it. */
  store: EmbeddedStore | ServerStore
  /** Its writer's client, for a test's own reads and statements. */
  client: ClickHouseClient
  /** A fresh database name for this caller (created on first use by the sink). */
  database: string
  /** Pass as DATA_DIR to code that opens a Store itself: it lands on the same chDB path. */
  dataDir: string
  /** `clickhouse` section of a Config pointing at the shared engine and this caller's database. */
  config: Config['clickhouse']
  /** Opens a query session on the same engine (as sluice's own query sessions are, apart from the writer's). */
  openQuery(): QueryConnection
}

let shared: { store: EmbeddedStore | ServerStore; dataDir: string; base: Config['clickhouse'] } | undefined

function open(): NonNullable<typeof shared> {
  // CLICKHOUSE_URL (and user/password) come through the one module that reads the environment.
  const base = loadConfig().clickhouse
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-test-'))
  const store = base.url !== undefined ? new ServerStore({ ...base, url: base.url }) : new EmbeddedStore(embeddedPath(dataDir))
  process.once('exit', () => {
    // close() reaches chDB's synchronous session close before its first await; exit allows no more.
    void store.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return { store, dataDir, base }
}

export function testClickHouse(): TestClickHouse {
  shared ??= open()
  const database = `sluice_test_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`
  const { base, dataDir, store } = shared
  const config = { ...base, database, ttlDays: 0 }
  const openQuery = () => (config.url !== undefined ? serverQueryConnection({ ...config, url: config.url }) : embeddedQueryConnection(embeddedPath(dataDir)))
  return { store, client: store.client, dataDir, database, config, openQuery }
}
