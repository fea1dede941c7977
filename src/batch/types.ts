// What the batcher needs of the sink, and what it reports to whoever watches it (metrics, tests).
import type { QueuedMessage } from '../queue/types'
import type { DeadLetter, WriteResult } from '../sink/row-writer'

/**
 * What the batcher needs of the sink (RowWriter); an interface so tests can inject failures. A
 * cluster spreads messages over shards (each message to one, the same on every attempt): each
 * dataset then has a lane per shard, so a shard that is down holds back only its own messages.
 */
export interface BatchWriter {
  /** `signal` aborts an insert in progress (stop() ran out of time); it then rejects. */
  write(dataset: string, bodies: Uint8Array[], dedupToken: string, signal?: AbortSignal, shard?: number): Promise<WriteResult>
  landed(dataset: string, ids: string[], shard?: number): Promise<Set<string>>
  deadLetter(dataset: string, entries: DeadLetter[], dedupToken: string, shard?: number): Promise<void>
  /** The shard a message goes to; unset: everything goes to shard 0. */
  shardOf?(message: QueuedMessage): number
}

export interface FlushReport {
  dataset: string
  /** Events written (including dead-lettered ones) by this flush. */
  events: number
  bytes: number
  inserted: number
  deadLettered: number
  /** Events of redelivered messages that had already landed, acknowledged without a write. */
  skipped: number
  /** Duration of the successful write call. */
  insertMs: number
  attempts: number
}

/** Hooks for metrics; every method optional. */
export interface BatcherObserver {
  flushed?(report: FlushReport): void
  retrying?(dataset: string, error: Error, attempt: number): void
}

export interface BatcherStats {
  insertedEvents: number
  deadLettered: number
  skippedEvents: number
  batches: number
  failedAttempts: number
  /** Bytes of messages held now (waiting and being written, all datasets), and the most ever held. */
  heldBytes: number
  peakHeldBytes: number
}
