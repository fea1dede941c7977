// Incremental splitter of a JSON array body into the byte ranges of its top-level elements.
//
// The body arrives in chunks that the caller appends to one growing buffer; after each append
// it calls push(), which continues where it stopped and reports every element it completed as
// [start, end) of that buffer. No bytes are copied or decoded: the caller parses each range.
// The splitter only finds boundaries; it does not validate elements (JSON.parse of the range
// does), so it must keep its footing around one malformed element. Its rules:
//
//  1. Body: optional whitespace (and a UTF-8 BOM at byte 0), '[', elements separated by ',',
//     ']', optional whitespace. Anything else is an ArrayBodyError (see ArrayBodyProblem).
//  2. An element runs from its first non-whitespace byte to the next ',' or ']' that is outside
//     strings and outside the element's own brackets; its range excludes surrounding
//     whitespace. Its kind is 'object' when its first byte is '{', 'other' otherwise.
//  3. A missing element (`[1,,2]`, `[1,]`) is reported as kind 'empty' with start === end at
//     the offset of the ',' or ']' that ends it, so every index keeps its meaning.
//  4. Strings run from '"' to the next '"' not preceded by an odd run of '\'. Their content
//     (escapes, \uXXXX, ']', '}', ',') is skipped, never interpreted.
//  5. A closer closes the nearest open bracket of its kind, implicitly closing any unclosed
//     brackets inside it (`{"a":[1}` is one bad element, then the next element starts
//     cleanly). A ']' with no open '[' in the element closes the top-level array itself
//     (`[{"a":1]`); a '}' with no open '{' is ignored (the element is bad).
//  6. Directly inside an object, a ',' followed by '{' or '[' cannot happen in JSON: the object
//     was left open (`{bad, {"c":3}`), so the element ends at that ',' and the '{' or '['
//     starts the next element.
//
// What this guarantees (tested in test/unit/array-splitter.test.ts): valid elements come out
// as their exact ranges with their exact indexes when every malformed element among them is
// "well-delimited": its strings are closed and, after rules 5 and 6, it contains no ',' or ']'
// outside strings and its own brackets, and every '[' it opens is closed inside it. For example
// `{"a":}`, `nope`, `{bad}`, `}`, `{"a":[1}`, `{bad` (followed by `, {`). Not recoverable
// by design: an unclosed string (it swallows what follows up to the next quote, usually
// ending as a truncated body), an unclosed '[' and a missing ',' between elements (the two
// elements become one bad element).
//
// Speed (bench/splitter.bench.ts): the work is almost all skipping string contents, so that
// loop is kept tight; see closingQuote (json/bytes.ts) for why short strings do not use indexOf.

import { BadBodyError } from '../../errors'
import { closingQuote, COMMA, isSpace, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, SPACE } from '../../json/bytes'

/** 'valid': the element is an event the fast reader (the splitter's `read` hook) found valid. */
export type ElementKind = 'object' | 'other' | 'empty' | 'valid'
export interface ElementRange { start: number; end: number; kind: ElementKind }
/** Called once per top-level element, in order; index counts from 0. */
export type OnElement = (start: number, end: number, kind: ElementKind, index: number) => void

export type ArrayBodyProblem = 'empty' | 'not-array' | 'truncated' | 'trailing-data'

/** The body as a whole is not one JSON array; offset is the byte where that became clear. */
export class ArrayBodyError extends BadBodyError {
  constructor(readonly problem: ArrayBodyProblem, readonly offset: number, message: string) {
    super(message, 400)
  }
}

// Where push() is in the body.
const BEFORE = 0 // before '['
const VALUE = 1 // after '[' or ',', before the next element
const ELEMENT = 2 // inside an element, outside strings
const STRING = 3 // inside a string of an element
const DONE = 4 // after the closing ']'

/** End of [start, end) once trailing whitespace is dropped; the byte at start is never whitespace. */
function trimEnd(b: Uint8Array, end: number): number {
  while (isSpace(b[end - 1])) end--
  return end
}

function describeByte(c: number): string {
  return c > SPACE && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`
}

export class ArraySplitter {
  private state = BEFORE
  /** Next byte to look at. */
  private pos = 0
  /** Length of the data seen by the last push. */
  private length = 0
  /** Elements reported so far, which is also the index of the next one. */
  private index = 0
  private start = 0
  private kind: ElementKind = 'other'
  /** Open brackets of the current element ('{' or '['), innermost last; no recursion, any depth. */
  private stack = new Uint8Array(64)
  private depth = 0
  /** How many '{' and '[' the stack holds, so a closer with no opener of its kind costs O(1). */
  private objs = 0
  private arrs = 0
  private error: ArrayBodyError | undefined

  /**
   * onElement runs synchronously inside push(); if it throws, discard this splitter.
   * read: an optional fast reader for elements that start with '{': it returns the offset after
   *   the element when it is a complete valid event (then the element is reported as 'valid',
   *   right after the read, so the reader's results are still its own), or -1, and the element is
   *   then delimited by the rules above, as if no reader were there.
   */
  constructor(private readonly onElement: OnElement, private readonly read?: (b: Uint8Array, start: number) => number) {}

  /**
   * Scans buffer[previous position .. length) and reports the elements completed in it.
   * `buffer` holds the whole body received so far from byte 0 (it may be a new, bigger copy
   * each time). Throws ArrayBodyError as soon as the body cannot be a JSON array, and again on
   * every later call.
   */
  push(buffer: Uint8Array, length: number): void {
    if (this.error) throw this.error
    if (length < this.pos || length > buffer.length) throw new RangeError(`push: length ${length} is outside the buffer or before data already scanned`)
    this.length = length
    // A view that ends at the data, so indexOf never scans the buffer's spare capacity.
    const b = length === buffer.length ? buffer : buffer.subarray(0, length)
    const emit = this.onElement
    let { state, pos: i, index, start, kind, stack, depth, objs, arrs } = this

    scan: while (i < length) {
      if (state === ELEMENT) {
        while (i < length) {
          const c = b[i]
          if (c === QUOTE) {
            const q = closingQuote(b, i + 1, length)
            if (q < 0) { state = STRING; i = length; break scan }
            i = q + 1
            continue
          }
          if (c === COMMA) {
            if (depth === 0) {
              emit(start, trimEnd(b, i), kind, index++)
              state = VALUE
              i++
              continue scan
            }
          } else if (c === LBRACE || c === LBRACKET) {
            if (depth > 0 && stack[depth - 1] === LBRACE) {
              // Rule 6: `, {` directly inside an object means the object was never closed.
              let j = i - 1
              while (isSpace(b[j])) j--
              if (b[j] === COMMA) {
                emit(start, trimEnd(b, j), kind, index++)
                start = i
                kind = c === LBRACE ? 'object' : 'other'
                depth = objs = arrs = 0
              }
            }
            if (depth === stack.length) {
              const bigger = new Uint8Array(stack.length * 2)
              bigger.set(stack)
              stack = this.stack = bigger
            }
            stack[depth++] = c
            if (c === LBRACE) objs++
            else arrs++
          } else if (c === RBRACE) {
            // Rule 5: close up to the nearest '{'; with none open, a stray '}' is ignored.
            if (objs > 0) {
              while (stack[--depth] !== LBRACE) arrs--
              objs--
            }
          } else if (c === RBRACKET) {
            if (arrs === 0) {
              // Rule 5: no '[' open in the element, so this closes the top-level array.
              emit(start, trimEnd(b, i), kind, index++)
              depth = objs = arrs = 0
              state = DONE
              i++
              continue scan
            }
            while (stack[--depth] !== LBRACKET) objs--
            arrs--
          }
          i++
        }
        break
      }

      const c = b[i]
      if (state === STRING) {
        // Resume a string cut by the end of the previous chunk.
        const q = closingQuote(b, i, length)
        if (q < 0) { i = length; break }
        i = q + 1
        state = ELEMENT
      } else if (isSpace(c)) {
        i++
      } else if (state === VALUE) {
        if (c === COMMA) {
          emit(i, i, 'empty', index++) // rule 3: `[1,,2]`
          i++
        } else if (c === RBRACKET) {
          if (index > 0) emit(i, i, 'empty', index++) // rule 3: `[1,]`; with index 0 it is `[]`
          state = DONE
          i++
        } else {
          if (c === LBRACE && this.read !== undefined) {
            // The single pass: a valid event is read once, and its end found on the way.
            const end = this.read(b, i)
            if (end >= 0) {
              let j = end
              while (isSpace(b[j])) j++
              if (b[j] === COMMA || b[j] === RBRACKET) {
                emit(i, end, 'valid', index++)
                if (b[j] === RBRACKET) state = DONE
                i = j + 1
                continue
              }
            }
          }
          start = i
          kind = c === LBRACE ? 'object' : 'other'
          state = ELEMENT // the ELEMENT loop reads this byte again, as an opener if it is one
        }
      } else if (state === BEFORE) {
        if (i === 0 && c === 0xef) {
          if (length < 3) break // a BOM may still be arriving
          if (b[1] === 0xbb && b[2] === 0xbf) { i = 3; continue }
        }
        if (c !== LBRACKET) this.fail(notArrayError(c, i))
        state = VALUE
        i++
      } else {
        this.fail(new ArrayBodyError('trailing-data', i, `The request body continues after the end of the JSON array: unexpected ${describeByte(c)} at byte ${i}. Send exactly one array.`))
      }
    }

    this.state = state
    this.pos = i
    this.index = index
    this.start = start
    this.kind = kind
    this.depth = depth
    this.objs = objs
    this.arrs = arrs
  }

  /** Call once the whole body was pushed. Returns the number of elements; throws ArrayBodyError unless the body was one complete JSON array. */
  finish(): number {
    if (this.error) throw this.error
    const { state, length, index, start } = this
    if (state === DONE) return index
    if (state === BEFORE) {
      if (length === 0) this.fail(new ArrayBodyError('empty', 0, 'The request body is empty; send a JSON array of events.'))
      if (this.pos === length) this.fail(new ArrayBodyError('empty', length, 'The request body contains only whitespace; send a JSON array of events.'))
      this.fail(notArrayError(0xef, 0)) // an incomplete byte-order mark
    }
    const where = state === STRING
      ? `inside a string of element ${index} (which starts at byte ${start})`
      : state === ELEMENT ? `inside element ${index} (which starts at byte ${start})`
      : index === 0 ? "right after the array's opening '['" : `after the ',' that follows element ${index - 1}`
    return this.fail(new ArrayBodyError('truncated', length, `The request body ends ${where}, so the array is never closed with ']'; it looks truncated.`))
  }

  private fail(error: ArrayBodyError): never {
    this.error = error
    throw error
  }
}

function notArrayError(c: number, offset: number): ArrayBodyError {
  const what = c === LBRACE ? 'a JSON object; wrap the events in [ ]'
    : c === QUOTE ? 'a JSON string'
    : `${describeByte(c)} at byte ${offset}`
  return new ArrayBodyError('not-array', offset, `The request body must be a JSON array of events, but it starts with ${what}.`)
}

/** Splits a complete body in one go; throws ArrayBodyError like finish(). */
export function splitArray(body: Uint8Array): ElementRange[] {
  const ranges: ElementRange[] = []
  const splitter = new ArraySplitter((start, end, kind) => { ranges.push({ start, end, kind }) })
  splitter.push(body, body.length)
  splitter.finish()
  return ranges
}
