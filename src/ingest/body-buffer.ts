// A growing byte buffer that holds one request body, so elements can be addressed as ranges of it.

/** Called with the bytes a buffer is about to add to what it holds; throwing stops the growth (a budget). */
export type OnAllocate = (bytes: number) => void

export class BodyBuffer {
  bytes: Uint8Array
  length = 0

  /** initialBytes: a hint (the Content-Length when the body is not compressed). */
  constructor(initialBytes: number, private readonly maxBytes: number, private readonly onAllocate?: OnAllocate) {
    const size = Math.max(1024, Math.min(initialBytes, maxBytes))
    onAllocate?.(size)
    this.bytes = new Uint8Array(size)
  }

  /** Appends a chunk; returns false (and appends nothing) when it would pass maxBytes. */
  append(chunk: Uint8Array): boolean {
    const needed = this.length + chunk.byteLength
    if (needed > this.maxBytes) return false
    if (needed > this.bytes.byteLength) {
      // Doubling keeps the number of copies logarithmic in the body size. The old buffer is
      // garbage once copied, so only the difference is newly held.
      const size = Math.min(this.maxBytes, Math.max(needed, this.bytes.byteLength * 2))
      this.onAllocate?.(size - this.bytes.byteLength)
      const grown = new Uint8Array(size)
      grown.set(this.bytes.subarray(0, this.length))
      this.bytes = grown
    }
    this.bytes.set(chunk, this.length)
    this.length = needed
    return true
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }
}
