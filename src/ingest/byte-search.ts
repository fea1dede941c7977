// Native searches of a request body that cost O(body), not O(events): each event asks "does this
// pattern occur in my bytes?", and since the events of one body are asked in order, the answer for
// one event is usually the one found while answering the event before it.

/** The next occurrence of one byte pattern in a body, remembered between calls. */
export class NextOccurrence {
  readonly #pattern: Buffer
  #body: Uint8Array | undefined
  #view: Buffer = Buffer.alloc(0)
  /** The last search started here and found `#found` (-1: nowhere after `#from`). */
  #from = 0
  #found = -1

  constructor(pattern: string) {
    this.#pattern = Buffer.from(pattern, 'latin1')
  }

  /** The offset of the first occurrence at or after `from` in `body`, or -1. */
  in(body: Uint8Array, from: number): number {
    if (body !== this.#body) {
      this.#body = body
      // One Buffer view per body: Buffer's indexOf takes a multi-byte pattern, Uint8Array's does not.
      this.#view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    } else if (from >= this.#from && (this.#found === -1 || this.#found >= from)) {
      return this.#found
    }
    this.#from = from
    this.#found = this.#view.indexOf(this.#pattern, from)
    return this.#found
  }

  /** Drops what was found: the next call searches afresh. */
  forget(): void {
    this.#body = undefined
  }

  /** True when the pattern occurs inside body[start, end). */
  within(body: Uint8Array, start: number, end: number): boolean {
    const at = this.in(body, start)
    return at !== -1 && at + this.#pattern.length <= end
  }

  /** True when the pattern occurs twice or more inside body[start, end). */
  twiceWithin(body: Uint8Array, start: number, end: number): boolean {
    const first = this.in(body, start)
    if (first === -1 || first + this.#pattern.length > end) return false
    const second = this.in(body, first + 1)
    return second !== -1 && second + this.#pattern.length <= end
  }
}
