// What sluice needs of ClickHouse, whichever engine holds the events: insert rows, run a statement,
// read rows, run /query's queries, answer a ping. Each backend (a server over HTTP, the embedded
// chDB engine) decides how, so nothing above this interface asks which one it has.
import type { QueryLimits } from './query-limits'
import type { QuerySessions } from './query-sessions'

/** One insert of whole JSONEachRow rows. */
export interface InsertRowsRequest {
  database: string
  table: string
  columns: readonly string[]
  /** The rows, each ending in a newline or followed by another chunk that starts a row. */
  chunks: readonly Uint8Array[]
  /** Settings of this insert alone (its dedup token among them), never session-wide. */
  settings: Readonly<Record<string, string | number>>
  signal?: AbortSignal
}

export interface Store {
  /** Where the events are, in words for the banner: "embedded chDB" or the server's address. */
  readonly where: string
  /** Resolves once the engine stored the rows; rejects with the engine's error (its code readable by sink/insert-errors). */
  insertRows(request: InsertRowsRequest): Promise<void>
  /** Runs a statement that answers nothing (DDL). */
  command(sql: string): Promise<void>
  /** The rows of a SELECT, each as the array of its columns. */
  queryRows<T extends unknown[]>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  /** Where POST /query runs: sessions reading `database` by default, under `limits`. */
  querySessions(database: string, limits: QueryLimits): QuerySessions
  /** True when the engine answers now. */
  ping(): Promise<boolean>
  close(): Promise<void>
}
