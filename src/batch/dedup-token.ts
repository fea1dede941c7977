// ClickHouse dedup tokens for batches: the same rows from the same messages give the same token
// in any order and in any batcher process, so a retried insert whose first attempt did land is
// dropped by ClickHouse (insert_deduplication_token) instead of stored twice.
import { createHash } from 'node:crypto'

/** What one message contributes to an insert: all its rows, or (redelivered and partly landed) some. */
export interface TokenPart {
  readonly seq: number
  /** `_id` of the message's last row: unique to the request that made it (enrich.ts). */
  readonly lastId: string
  /** Identifies the subset of rows written, or undefined for the whole message. */
  readonly rows?: string
}

/**
 * A whole message counts by its stream sequence and its last row's `_id`; a subset adds which rows.
 * Sequences alone are not enough: they start again at 1 in a new stream (a wiped store, a move to a
 * NATS cluster, another deployment writing into the same database), and the table remembers the
 * tokens of its last DEDUP_WINDOW_BLOCKS inserts, so new batches would be dropped as repeats of
 * old ones. A subset must never share a token with the whole message: ClickHouse would take the
 * rows for a repeat of the first insert's blocks and drop them.
 */
export function tokenFor(parts: readonly TokenPart[]): string {
  const sorted = [...parts].sort((a, b) => a.seq - b.seq || a.lastId.localeCompare(b.lastId) || (a.rows ?? '').localeCompare(b.rows ?? ''))
  const keys = sorted.map((p) => `${p.seq}:${p.lastId}${p.rows === undefined ? '' : `/${p.rows}`}`)
  return createHash('sha256').update(keys.join(',')).digest('hex').slice(0, 32)
}
