// Publishes one request's chunks with at most `maxChunks` awaiting their PubAck, so the rows a
// request holds stay bounded whatever its event count (1M tiny events are ~100 MB of rows),
// while a few chunks in flight keep JetStream busy. The encoder stays synchronous: the request
// awaits only when the window is full, once per chunk, never per event.
import type { BufferPool } from '../../buffer-pool'
import type { EventPublisher, OutgoingChunk } from '../../queue/types'

/** Chunks in flight per request: 4 x ~1 MB messages is enough to keep a local JetStream busy. */
export const PUBLISH_WINDOW_CHUNKS = 4

export class PublishWindow {
  /** Acknowledgements still awaited, oldest first; they never reject (a failure is kept in `error`). */
  private readonly pending: Promise<void>[] = []
  /** The first publish failure: drain() and room() throw it. */
  private error: unknown = undefined
  /** Some publish failed: drain() will throw, so there is no point in sending more. */
  failed = false

  /** pool: where a chunk's buffer goes back once its publish was acknowledged (never after a failure: the client may still hold it). */
  constructor(private readonly publisher: EventPublisher, readonly maxChunks = PUBLISH_WINDOW_CHUNKS, private readonly pool?: BufferPool) {}

  get full(): boolean {
    return this.pending.length >= this.maxChunks
  }

  /**
   * Publishes the chunk; `buffer` (what chunk.body is a view of) returns to the pool once the
   * publish resolved, so the publisher must not read chunk.body after that (JetStreamPublisher
   * does not: it has handed the bytes to the socket before the PubAck can arrive).
   */
  send(chunk: OutgoingChunk, buffer?: Buffer): void {
    const pool = this.pool
    // One reaction per chunk: the failure is kept rather than rethrown, so a failure while an
    // older ack is awaited is never an unhandled rejection; it is thrown when the request waits.
    this.pending.push(
      this.publisher.publish([chunk]).then(
        pool !== undefined && buffer !== undefined ? () => pool.give(buffer) : undefined,
        (error: unknown) => {
          this.failed = true
          if (this.error === undefined) this.error = error
        },
      ),
    )
  }

  /** Waits for acknowledgements until there is room for one more chunk; throws the first failure. */
  async room(): Promise<void> {
    while (this.pending.length >= this.maxChunks) await this.pending.shift()
    if (this.error !== undefined) throw this.error
  }

  /** Waits for every acknowledgement; throws the first failure. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift()
    if (this.error !== undefined) throw this.error
  }
}
