// The embedded chDB engine in DATA_DIR/clickhouse: batches go in through chDB's raw insert, as their
// bytes (the SQL insert for names it cannot take), and /query runs on chDB sessions of its own.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection'
import { DEFAULT_SETTINGS } from './client-settings'
import { isUnparsableName, joinRows, rawNameable } from './embedded-insert'
import type { QueryLimits } from './query-limits'
import { embeddedSessions, type QueryConnection } from './query-sessions'
import { sqlInsert } from './sql-insert'
import { SingleStore } from './single-store'
import type { InsertRowsRequest } from './types'

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>
type ChdbConnection = ReturnType<typeof CreateChdbConnection>

/**
 * chdb types its Connection against @clickhouse/client-common 1.23.0 while @clickhouse/client
 * 1.23.1 bundles its own copy of those types; the shapes match at run time, only the nominal
 * ClickHouseSettings types differ. Loaded on first use, not at the top: the native engine adds
 * about 160 MB of RSS to every process that imports it, and an ingest node never uses it.
 */
function chdbConnection(path: string): ChdbConnection {
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection }
  return createChdbConnection({ path })
}

/** chDB binds one data directory per process; it needs an absolute, existing path. */
export function embeddedPath(dataDir: string): string {
  const path = resolve(join(dataDir, 'clickhouse'))
  mkdirSync(path, { recursive: true })
  return path
}

export class EmbeddedStore extends SingleStore {
  readonly where = 'embedded chDB'
  /** The writer's session (inserts, DDL, the landed check); tests read through it too. */
  readonly client: ClickHouseClient
  readonly #connection: ChdbConnection
  /** `db.table` names whose unquoted form chDB cannot parse: they take the SQL insert from then on. */
  readonly #unparsable = new Set<string>()

  constructor(readonly path: string) {
    super()
    this.#connection = chdbConnection(path)
    this.client = createClient({ connection: this.#connection as unknown as ClientConnection, clickhouse_settings: DEFAULT_SETTINGS })
  }

  async insertRows(r: InsertRowsRequest): Promise<void> {
    const name = `${r.database}.${r.table}`
    if (rawNameable(r.database, r.table) && !this.#unparsable.has(name)) {
      try {
        await this.#connection.chdb.rawInsert({ table: name, columns: r.columns, values: joinRows(r.chunks), format: 'JSONEachRow', settings: r.settings, signal: r.signal })
        return
      } catch (err) {
        if (!isUnparsableName(err)) throw err
        // Nothing was inserted: the parser refused the name before reading a row.
        this.#unparsable.add(name)
      }
    }
    await sqlInsert(this.client, r)
  }

  /** Whether inserts into `database.table` take chDB's raw insert (as opposed to the SQL one). */
  insertsRaw(database: string, table: string): boolean {
    return rawNameable(database, table) && !this.#unparsable.has(`${database}.${table}`)
  }

  querySessions(database: string, limits: QueryLimits) {
    return embeddedSessions(() => embeddedQueryConnection(this.path), database, limits)
  }


  close(): Promise<void> {
    return this.client.close()
  }
}

/**
 * A chDB session of its own on the same data directory, for POST /query: chDB runs one query at a
 * time per session and keeps SET for the session, so a query session never delays an insert and
 * the read-only lock set on it does not reach the writer's session. No client-level settings: the
 * connection would send them as SET before every query, which the session refuses once read-only.
 *
 * Queries run single-shot, on a libuv thread, and cannot be cancelled. chDB's one cancellable path,
 * its streaming query, plans the query on the JS thread when the stream is created: a constant the
 * analyzer folds for 2.5 s stopped the event loop, and with it ingest, for 2.5 s (measured), while
 * the single-shot query left it free (11 ms).
 */
export function embeddedQueryConnection(path: string): QueryConnection {
  return { client: createClient({ connection: chdbConnection(path) as unknown as ClientConnection }) }
}
