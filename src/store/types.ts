// What sluice needs of ClickHouse, whichever engine holds the events: insert rows, run a statement,
// read rows, run /query's queries, answer a ping. Each backend (a server over HTTP, the embedded
// chDB engine) decides how, so nothing above this interface asks which one it has.
import type { QueryLimits } from './query-limits'
import type { QuerySessions } from './query-sessions'
import type { TableSpec } from './tables'

/** One insert of whole JSONEachRow rows. */
export interface InsertRowsRequest {
  database: string
  table: string
  columns: readonly string[]
  /** The rows, each ending in a newline or followed by another chunk that starts a row. */
  chunks: readonly Uint8Array[]
  /** Settings of this insert alone (its dedup token among them), never session-wide. */
  settings: Readonly<Record<string, string | number>>
  /** The shard to write to (a cluster); 0 elsewhere. */
  shard?: number
  signal?: AbortSignal
}

export interface Store {
  /** Where the events are, in words for the banner: "embedded chDB" or the server's address. */
  readonly where: string
  /** Shards rows are spread over: 1 but on a cluster. */
  readonly shards: number
  /** The shard of a message, from a key of its content (the same key, the same shard, on every node and every attempt). */
  shardOf(key: string): number
  /** Creates a table sluice needs where a write to `shard` goes, and brings it up to date. */
  ensureTable(spec: TableSpec, shard: number): Promise<void>
  /** The name to read one shard's rows of a table by (the shard-local table of a cluster). */
  shardTable(database: string, table: string): string
  /** Resolves once the engine stored the rows; rejects with the engine's error (its code readable by sink/insert-errors). */
  insertRows(request: InsertRowsRequest): Promise<void>
  /** Runs a statement that answers nothing (DDL), on every node of a cluster. */
  command(sql: string): Promise<void>
  /** The rows of a SELECT, each as the array of its columns; on a cluster, asked of one shard. */
  queryRows<T extends unknown[]>(sql: string, params?: Record<string, unknown>, shard?: number): Promise<T[]>
  /** Where POST /query runs: sessions reading `database` by default, under `limits`. */
  querySessions(database: string, limits: QueryLimits): QuerySessions
  /** True when the engine answers now. */
  ping(): Promise<boolean>
  close(): Promise<void>
}
