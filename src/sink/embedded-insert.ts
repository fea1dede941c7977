// Inserts on the embedded engine through chDB's own raw insert (Session.insert with a Buffer), which
// hands the batch's bytes to the engine as they are, on a libuv thread. @clickhouse/client's chdb
// connection instead decodes every batch into one JS string and splices it after the SQL on the
// event loop; measured on 18.7k rows (6 MB of events) here: 540-630 ms that way, 300-440 ms raw.
// The server engine (CLICKHOUSE_URL) keeps @clickhouse/client's HTTP insert.
import type { ClickHouseClient } from '@clickhouse/client'
import type { RawInsertParams } from 'chdb'

/** One insert of whole JSONEachRow rows. */
export interface RawInsertRequest {
  database: string
  table: string
  columns: readonly string[]
  /** The rows, each ending in a newline or followed by another chunk that starts a row. */
  chunks: readonly Uint8Array[]
  /** Per-insert settings, sent in the insert's own SETTINGS clause (never session-wide). */
  settings: Record<string, string | number>
  signal?: AbortSignal
}

/** Resolves once the engine stored the rows; rejects with chDB's error (its `clickhouseCode` set). */
export type RawInsert = (request: RawInsertRequest) => Promise<void>

/** chDB's raw insert takes table and column names only as plain words ([A-Za-z0-9_], dotted for
 *  `db.table`) and cannot quote them; names with other characters (a dataset may hold `-`) go the
 *  client's way. */
const PLAIN_NAME = /^[A-Za-z0-9_]+$/
/** ClickHouse's SYNTAX_ERROR: raised by the SQL parser only, never by the rows of an insert. */
const SYNTAX_ERROR = 62

const inserters = new WeakMap<ClickHouseClient, RawInsert>()
/** `db.table` names whose unquoted form ClickHouse cannot parse (a database named `function` or `1e5`). */
const unparsable = new WeakMap<ClickHouseClient, Set<string>>()

/** Remembers the raw insert of an embedded client (set by createClickHouse). */
export function registerRawInsert(client: ClickHouseClient, insert: (params: RawInsertParams) => Promise<unknown>): void {
  inserters.set(client, async (r) => {
    await insert({ table: `${r.database}.${r.table}`, columns: r.columns, values: joinRows(r.chunks), format: 'JSONEachRow', settings: r.settings, signal: r.signal })
  })
}

/** The raw insert for this client and table, or undefined when the client's own insert must do. */
export function rawInsertFor(client: ClickHouseClient, database: string, table: string): RawInsert | undefined {
  const insert = inserters.get(client)
  if (!insert || !PLAIN_NAME.test(database) || !PLAIN_NAME.test(table) || unparsable.get(client)?.has(`${database}.${table}`)) return undefined
  return async (request) => {
    try {
      await insert(request)
    } catch (err) {
      if ((err as { clickhouseCode?: unknown } | null)?.clickhouseCode !== SYNTAX_ERROR) throw err
      // Plain words that are still no identifier unquoted: this name goes the client's way from now
      // on, and the caller's retry takes it at once (nothing was inserted).
      let names = unparsable.get(client)
      if (!names) unparsable.set(client, (names = new Set()))
      names.add(`${database}.${table}`)
      throw new UnparsableNameError(`${database}.${table}`, { cause: err })
    }
  }
}

/** The raw insert could not name the table; nothing was inserted and the client's insert will do. */
export class UnparsableNameError extends Error {
  constructor(name: string, options?: ErrorOptions) {
    super(`chDB's raw insert cannot name ${name} unquoted`, options)
  }
}

const NEWLINE = 0x0a

/** The chunks as one buffer, with a newline after any chunk lacking one, so rows never merge.
 *  A single chunk that ends in a newline is passed as it is (no copy). */
export function joinRows(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]![chunks[0]!.length - 1] === NEWLINE) return chunks[0]!
  let size = 0
  for (const c of chunks) size += c.length + (c[c.length - 1] === NEWLINE ? 0 : 1)
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
    if (c[c.length - 1] !== NEWLINE) out[at++] = NEWLINE
  }
  return out
}
