// Incremental splitter of a newline-delimited JSON body (NDJSON, JSON Lines: one event per line)
// into the byte ranges of its lines, with the same interface as the array splitter
// (array-splitter.ts) so the rest of ingest does not know which it has.
//
// Rules:
//  1. A line ends at '\n' (so "\r\n" works too: '\r' is trimmed as whitespace) or at the end of
//     the body. Its range excludes surrounding whitespace. A line's index is its 0-based position
//     in the body, counting every line, so an error names the line a person sees in the file.
//  2. A blank line (only whitespace) is no event: it is reported as kind 'empty' (start === end),
//     and ingest skips it without an error. A trailing newline ends the last line; it does not
//     start another.
//  3. A UTF-8 byte-order mark at byte 0 is skipped.
// Valid JSON has no raw line break inside a string, so every valid event is exactly one line.

import { CR, LBRACE, LF, SPACE, TAB } from '../../json/bytes'
import { ArrayBodyError, type OnElement } from './array-splitter'

const isInlineSpace = (c: number | undefined): boolean => c === SPACE || c === TAB || c === CR

export class LineSplitter {
  /** Start of the line being read (after its leading whitespace, once seen). */
  private lineStart = 0
  /** Whether the leading whitespace of the current line has been skipped. */
  private started = false
  /** Where to go on looking for the current line's '\n'. */
  private searchFrom = 0
  private length = 0
  private index = 0
  /** Lines that were not blank. */
  private events = 0
  private bomChecked = false
  /** The data of the last push. */
  private buffer: Uint8Array | undefined

  /** Same contract as ArraySplitter's constructor (the `read` hook makes valid events 'valid'). */
  constructor(private readonly onElement: OnElement, private readonly read?: (b: Uint8Array, start: number) => number) {}

  /** Scans buffer[previous position .. length) (buffer holds the whole body from byte 0). */
  push(buffer: Uint8Array, length: number): void {
    if (length < this.length || length > buffer.length) throw new RangeError(`push: length ${length} is outside the buffer or before data already scanned`)
    this.length = length
    const b = length === buffer.length ? buffer : buffer.subarray(0, length)
    this.buffer = b
    if (!this.bomChecked) {
      if (length < 3 && b[0] === 0xef) return // a byte-order mark may still be arriving
      this.bomChecked = true
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.lineStart = this.searchFrom = 3
    }
    for (;;) {
      if (!this.started) {
        let i = this.lineStart
        while (isInlineSpace(b[i])) i++
        if (i === length) {
          this.lineStart = this.searchFrom = i
          return
        }
        this.lineStart = i
        this.started = true
        if (b[i] === LF) {
          this.emitLine(i, i)
          continue
        }
        this.searchFrom = i
      }
      const newline = b.indexOf(LF, this.searchFrom)
      if (newline < 0) {
        this.searchFrom = length
        return
      }
      const start = this.lineStart
      if (b[start] === LBRACE && this.read !== undefined) {
        // The single pass: a valid event is read once. JSON allows line breaks between tokens, so
        // the event must end before its line does (ingest's reader stops at a line break, so that no
        // line's read runs on into the next lines).
        const end = this.read(b, start)
        if (end >= 0 && end <= newline) {
          let j = end
          while (isInlineSpace(b[j])) j++
          if (j === newline) {
            this.onElement(start, end, 'valid', this.index++)
            this.events++
            this.lineStart = this.searchFrom = newline + 1
            this.started = false
            continue
          }
        }
      }
      this.emitLine(start, newline)
    }
  }

  /** Call once the whole body was pushed. Returns the number of lines; throws ArrayBodyError when no line holds an event. */
  finish(): number {
    const length = this.length
    if (this.started) this.emitLine(this.lineStart, length)
    if (this.events === 0) {
      throw new ArrayBodyError('empty', length, length === 0 ? 'The request body is empty; send events, one JSON object per line.' : 'The request body has no events, only blank lines; send one JSON object per line.')
    }
    return this.index
  }

  /** Reports the line [start, lineEnd) (lineEnd: its '\n' or the body's end) and moves past it. */
  private emitLine(start: number, lineEnd: number): void {
    let end = lineEnd
    const b = this.buffer!
    while (end > start && isInlineSpace(b[end - 1])) end--
    if (end === start) this.onElement(start, start, 'empty', this.index++)
    else {
      this.onElement(start, end, b[start] === LBRACE ? 'object' : 'other', this.index++)
      this.events++
    }
    this.lineStart = this.searchFrom = lineEnd + 1
    this.started = false
  }
}
