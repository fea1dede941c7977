// ClickHouse dedup tokens for batches: the same rows from the same messages give the same token
// in any order and in any batcher process, so a retried insert whose first attempt did land is
// dropped by ClickHouse (insert_deduplication_token) instead of stored twice.
import { createHash } from 'node:crypto'

/** What one message contributes to an insert: all its rows, or (redelivered and partly landed) some. */
export interface TokenPart {
  readonly seq: number
  /** Identifies the subset of rows written, or undefined for the whole message. */
  readonly rows?: string
}

/**
 * A whole message counts by its stream sequence alone; a subset adds which rows. A subset must
 * never share a token with the whole message: ClickHouse would take the rows for a repeat of the
 * first insert's blocks and drop them.
 */
export function tokenFor(parts: readonly TokenPart[]): string {
  // Numeric order, and whole messages as bare sequences: the tokens batches had before subsets existed.
  const sorted = [...parts].sort((a, b) => a.seq - b.seq || (a.rows ?? '').localeCompare(b.rows ?? ''))
  const keys = sorted.map((p) => (p.rows === undefined ? String(p.seq) : `${p.seq}/${p.rows}`))
  return createHash('sha256').update(keys.join(',')).digest('hex').slice(0, 32)
}
