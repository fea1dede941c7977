// A growing byte buffer that holds one request body, so elements can be addressed as ranges of it.

export class BodyBuffer {
  bytes: Uint8Array
  length = 0

  /** initialBytes: a hint (the Content-Length when the body is not compressed). */
  constructor(initialBytes: number, private readonly maxBytes: number) {
    this.bytes = new Uint8Array(Math.max(1024, Math.min(initialBytes, maxBytes)))
  }

  /** Appends a chunk; returns false (and appends nothing) when it would pass maxBytes. */
  append(chunk: Uint8Array): boolean {
    const needed = this.length + chunk.byteLength
    if (needed > this.maxBytes) return false
    if (needed > this.bytes.byteLength) {
      // Doubling keeps the number of copies logarithmic in the body size.
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(needed, this.bytes.byteLength * 2)))
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
