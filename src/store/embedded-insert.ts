// Inserts on the embedded engine through chDB's own raw insert (Session.insert with a Buffer), which
// hands the batch's bytes to the engine as they are, on a libuv thread. @clickhouse/client's chdb
// connection instead decodes every batch into one JS string and splices it after the SQL on the
// event loop; measured on 18.7k rows (6 MB of events) here: 540-630 ms that way, 300-440 ms raw.

/**
 * chDB's raw insert takes table and column names only as plain words ([A-Za-z0-9_], dotted for
 * `db.table`) and cannot quote them; names with other characters (a dataset may hold `-`) go the
 * client's way.
 */
const PLAIN_NAME = /^[A-Za-z0-9_]+$/
/** ClickHouse's SYNTAX_ERROR: raised by the SQL parser only, never by the rows of an insert. */
const SYNTAX_ERROR = 62

/** Whether chDB's raw insert can name `database.table` at all. */
export const rawNameable = (database: string, table: string): boolean => PLAIN_NAME.test(database) && PLAIN_NAME.test(table)

/**
 * The raw insert failed before reading a row because the parser could not take the unquoted name
 * (plain words that are still no identifier: a database named `function` or `1e5`).
 */
export const isUnparsableName = (err: unknown): boolean => (err as { clickhouseCode?: unknown } | null)?.clickhouseCode === SYNTAX_ERROR

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
