// A growing byte buffer that holds one request body, so elements can be addressed as ranges of it.
import type { BufferPool } from '../../buffer-pool'

/** Called with the bytes a buffer is about to add to what it holds; throwing stops the growth (a budget). */
export type OnAllocate = (bytes: number) => void

/** Bodies that grow past this take a whole buffer from the pool (when there is one). */
const POOLED_FROM_BYTES = 1024 * 1024

export class BodyBuffer {
  bytes: Uint8Array
  length = 0
  private pooled = false

  /**
   * initial: a size hint (the Content-Length when the body is not compressed), or a whole body
   *   read already, held as it is (its bytes were counted by whoever read it: onAllocate is not called).
   * pool: buffers of maxBytes to reuse for large bodies; call release() when the body is done with.
   */
  constructor(
    initial: number | Uint8Array,
    private readonly maxBytes: number,
    private readonly onAllocate?: OnAllocate,
    private readonly pool?: BufferPool,
  ) {
    if (typeof initial !== 'number') {
      this.bytes = initial
      this.length = initial.byteLength
      return
    }
    this.bytes = new Uint8Array(0)
    this.grow(Math.max(1024, Math.min(initial, maxBytes)))
  }

  /** Appends a chunk; returns false (and appends nothing) when it would pass maxBytes. */
  append(chunk: Uint8Array): boolean {
    const needed = this.length + chunk.byteLength
    if (needed > this.maxBytes) return false
    // Doubling keeps the number of copies logarithmic in the body size.
    if (needed > this.bytes.byteLength) this.grow(Math.min(this.maxBytes, Math.max(needed, this.bytes.byteLength * 2)))
    this.bytes.set(chunk, this.length)
    this.length = needed
    return true
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }

  /** Gives a pooled buffer back; the body must not be read afterwards. */
  release(): void {
    if (this.pooled) this.pool!.give(this.bytes)
    this.pooled = false
    this.bytes = new Uint8Array(0)
    this.length = 0
  }

  private grow(size: number): void {
    const usePool = this.pool !== undefined && size >= POOLED_FROM_BYTES && this.pool.size >= this.maxBytes
    if (usePool) size = this.pool!.size
    // The old buffer is garbage (or back in the pool) once copied, so only the difference is newly held.
    this.onAllocate?.(size - this.bytes.byteLength)
    const grown = usePool ? this.pool!.take() : new Uint8Array(size)
    grown.set(this.bytes.subarray(0, this.length))
    if (this.pooled) this.pool!.give(this.bytes)
    this.bytes = grown
    this.pooled = usePool
  }
}
