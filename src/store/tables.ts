// Where a store keeps a table sluice creates: the name, the engine and its dedup setting, and how a
// single ClickHouse (server or embedded) creates one. A cluster keeps each on every node instead.
import { ident, qualified } from './sql-text'

/** Blocks remembered for insert_deduplication_token; plain MergeTree keeps none by default.
 *  At one batch per dataset every 0.5 s this covers several minutes of retries. */
export const DEDUP_WINDOW_BLOCKS = 1000

/** Where a table goes: its qualified name, engine, and the dedup window setting that engine takes. */
export interface TablePlace {
  name: string
  engine: string
  /** `non_replicated_deduplication_window = N, ` on plain MergeTree; '' on a replicated engine, which dedups by default. */
  dedup: string
}

/** A table sluice creates: its DDL for a place, and statements that bring an existing one up to date (each idempotent). */
export interface TableSpec {
  database: string
  table: string
  create(place: TablePlace): string
  upgrades?(name: string): string[]
}

/** A plain MergeTree table `database.table`, as a single server or the embedded engine keeps it. */
export const plainPlace = (database: string, table: string): TablePlace => ({
  name: qualified(database, table),
  engine: 'MergeTree',
  dedup: `non_replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}, `,
})

/** Creates the database and the table on one ClickHouse; upgrades are best effort. */
export async function ensurePlainTable(command: (sql: string) => Promise<void>, spec: TableSpec): Promise<void> {
  await command(`CREATE DATABASE IF NOT EXISTS ${ident(spec.database)}`)
  const place = plainPlace(spec.database, spec.table)
  await command(spec.create(place))
  // Best effort, each on its own: a user without ALTER rights must not stop the dataset (REMOVE
  // TTL on a table without one fails too); a ClickHouse that is down fails the insert that follows.
  for (const query of spec.upgrades?.(place.name) ?? []) await command(query).catch(() => undefined)
}
