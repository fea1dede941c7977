// Mapped records as NDJSON bodies for ingest, each within the Events API's 6 MB: the events of one
// OTLP body may be larger than the body (each carries its resource, ids are written in hex), so
// they are cut into parts. Line n of a part is record `first + n`, so ingest's verdicts name
// records; a record whose event is too large for ingest to read is left as a blank line (which
// ingest skips) and refused here, in ingest's words.
import { BadBodyError } from '../errors'
import type { InvalidEvent } from '../ingest/event/event-schema'
import { MAX_BODY_BYTES, MAX_EVENT_BYTES } from '../ingest/limits'

/**
 * Event bytes one request may map to, in all its parts. Flattening repeats each resource in every
 * record under it, so a body of many tiny records under one large resource would otherwise map to
 * gigabytes: refused before anything is stored (413).
 */
export const MAX_MAPPED_BYTES = 8 * MAX_BODY_BYTES

const NEWLINE = 10
const encoder = new TextEncoder()

export interface NdjsonPart {
  bytes: Uint8Array
  /** Index in the request of the record on the part's first line. */
  first: number
  /** Lines that hold an event (not blank). */
  events: number
}

export class NdjsonParts {
  readonly parts: NdjsonPart[] = []
  /** Records refused here for their size, with their index in the request. */
  readonly refused: InvalidEvent[] = []
  refusedCount = 0
  private buffer: Buffer | undefined
  private length = 0
  private first = 0
  private events = 0
  private records = 0
  private mappedBytes = 0

  /**
   * initialBytes: the first buffer's size (it doubles as needed, up to 6 MB a part).
   * onAllocate: called with the bytes each buffer adds before it is taken, so the caller can count
   * them against the node's budget (it may throw to refuse the request).
   */
  constructor(
    private readonly initialBytes: number,
    private readonly onAllocate: (bytes: number) => void,
    private readonly maxListed: number,
  ) {}

  /** Appends the event of the next record. */
  add(line: string): void {
    const index = this.records++
    // A UTF-16 length at or past the limit is at least as many UTF-8 bytes.
    if (line.length >= MAX_EVENT_BYTES) return this.tooLarge(index, Buffer.byteLength(line))
    if (this.buffer === undefined) this.open(index)
    let written = this.write(line)
    while (written < 0) {
      if (this.buffer!.length < MAX_BODY_BYTES) this.grow()
      else {
        this.seal()
        this.open(index)
      }
      written = this.write(line)
    }
    if (written >= MAX_EVENT_BYTES) {
      this.length -= written
      return this.tooLarge(index, written)
    }
    this.mappedBytes += written + 1
    if (this.mappedBytes > MAX_MAPPED_BYTES) {
      throw new BadBodyError(`The records of this request are more than ${MAX_MAPPED_BYTES} bytes as events (each carries its resource and scope); send fewer records per request.`, 413)
    }
    this.buffer![this.length++] = NEWLINE
    this.events++
  }

  /** Seals the last part; returns every part in order. */
  finish(): NdjsonPart[] {
    if (this.buffer !== undefined) this.seal()
    return this.parts
  }

  /** Writes `line` at the end of the current part; -1 (nothing written) when it does not fit. */
  private write(line: string): number {
    const buffer = this.buffer!
    const { read, written } = encoder.encodeInto(line, buffer.subarray(this.length, buffer.length - 1))
    if (read < line.length) return -1
    this.length += written
    return written
  }

  private tooLarge(index: number, bytes: number): void {
    this.refusedCount++
    if (this.refused.length < this.maxListed) this.refused.push({ index, bytes, error: `The event is ${bytes} bytes; an event must be smaller than ${MAX_EVENT_BYTES} bytes (256 KB).` })
    if (this.buffer === undefined) this.open(index)
    else if (this.length === this.buffer.length) {
      if (this.buffer.length < MAX_BODY_BYTES) this.grow()
      else {
        this.seal()
        this.open(index)
      }
    }
    this.buffer![this.length++] = NEWLINE
  }

  private open(first: number): void {
    const size = this.parts.length === 0 ? Math.min(MAX_BODY_BYTES, Math.max(1024, this.initialBytes)) : MAX_BODY_BYTES
    this.onAllocate(size)
    this.buffer = Buffer.allocUnsafe(size)
    this.length = 0
    this.first = first
    this.events = 0
  }

  private grow(): void {
    const old = this.buffer!
    const size = Math.min(MAX_BODY_BYTES, old.length * 2)
    this.onAllocate(size - old.length)
    this.buffer = Buffer.allocUnsafe(size)
    old.copy(this.buffer, 0, 0, this.length)
  }

  private seal(): void {
    this.parts.push({ bytes: this.buffer!.subarray(0, this.length), first: this.first, events: this.events })
    this.buffer = undefined
  }
}
