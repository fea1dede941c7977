// Reads one event's bytes in a single pass, without building it: checks the JSON grammar
// (RFC 8259; UTF-8 is checked once per body, natively, see ingest-request.ts), the storage rules
// that keep ingest and ClickHouse agreeing (storage-rules.ts: depth, each dot in a key counting as
// a level; numbers; surrogate escapes; a repeated well-known field; an empty line) and notes where
// the values of the well-known top-level fields are. It allocates nothing: a valid event costs one
// read of its bytes. Single tokens (escapes, whitespace, numbers) are read by json-tokens.ts.
//
// It answers only "certainly clean" or "not certainly clean". A clean event is accepted on the
// spot (after event-fields.ts has checked the noted fields against the schema); anything else,
// including what is merely unusual (an escaped top-level key, a number near ClickHouse's limits),
// goes to the exact path (JSON.parse and validate.ts), which decides and words the error. So the
// scanner never has to be right about a refusal, only never wrong about an acceptance; the
// property tests in test/unit/event-scanner.test.ts hold it to JSON.parse and validate.ts.

import { BACKSLASH, COLON, COMMA, DOT, hex4, LBRACE, LBRACKET, LOWER_U, MINUS, NINE, QUOTE, RBRACE, RBRACKET, SPACE_BYTE, ZERO } from '../../json/bytes'
import { escapeEnd, number, skipSpace, UNUSUAL_NUMBER } from './json-tokens'

/** scan() result: the event is not certainly clean (invalid, unusual, or cut off by the data's end). */
export const NOT_CLEAN = -1

/** How a noted field's value was written. */
export const enum ValueKind {
  Absent = 0,
  /** A string without escapes: its text is its bytes, between the quotes. */
  PlainString = 1,
  /** A string with escapes. */
  EscapedString = 2,
  Number = 3,
  /** true, false, null, an object or an array. */
  Other = 4,
}

/** Limits an event must keep for ClickHouse to store it as JSON.parse reads it (storage-rules.ts). */
export interface ScanRules {
  /**
   * Deepest nesting of objects and arrays, the event object being level 1 and each dot in a key
   * one more level (ClickHouse stores {"a.b":1} as {"a":{"b":1}}).
   */
  maxDepth: number
  /** Top-level keys that must not appear twice; each one a watched field. */
  singleFields: readonly string[]
  /** The event must lie on one line (NDJSON): a line break ends the read, so it never runs on into the next lines. */
  oneLine?: boolean
}

/** Bytes a string may hold unescaped: everything from 0x20 except the quote and the backslash. */
const PLAIN = new Uint8Array(256)
for (let c = 0x20; c < 256; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1
/** What a key's tight loop skips: PLAIN but the dot, which the key loop counts. */
const KEY_PLAIN = PLAIN.slice()
KEY_PLAIN[DOT] = 0
/**
 * Scans events and keeps, for the last one scanned, where each watched top-level field's value is.
 * One per request (it is reused from event to event); not reentrant.
 */
export class EventScanner {
  /** Per watched field: the value's [start, end) and kind, for the last event scanned. */
  readonly valueStart: Int32Array
  readonly valueEnd: Int32Array
  readonly kind: Uint8Array
  /** Watched names as bytes, grouped by length for the key lookup. */
  private readonly byLength: number[][]
  private readonly names: Uint8Array[]
  /** Bit k: watched field k must appear at most once. */
  private readonly singleMask: number
  /** Open containers: 1 object, 0 array; index 0 is the event object. */
  private readonly stack: Uint8Array
  /** Per open container, the level (dots counted) of the container around it. */
  private readonly outerLevels: Uint8Array

  /** watched: the top-level field names whose values are noted (the event schema's properties). */
  constructor(watched: readonly string[], private readonly rules: ScanRules) {
    this.names = watched.map((name) => new TextEncoder().encode(name))
    this.byLength = []
    this.names.forEach((name, field) => (this.byLength[name.length] ??= []).push(field))
    if (watched.length > 31) throw new Error('at most 31 watched fields: one bit each')
    this.singleMask = 0
    for (const name of rules.singleFields) {
      const field = watched.indexOf(name)
      if (field < 0) throw new Error(`the single field "${name}" must be a watched field`)
      this.singleMask |= 1 << field
    }
    this.valueStart = new Int32Array(watched.length)
    this.valueEnd = new Int32Array(watched.length)
    this.kind = new Uint8Array(watched.length)
    this.stack = new Uint8Array(rules.maxDepth + 1)
    if (rules.maxDepth > 255) throw new Error('maxDepth must fit a byte')
    this.outerLevels = new Uint8Array(rules.maxDepth + 1)
  }

  /**
   * Reads the event that starts with '{' at b[start]. Returns the offset just after its closing
   * '}' when it is certainly clean, otherwise NOT_CLEAN. `b` must end where the data ends (reading
   * past it gives undefined, which no rule accepts).
   *
   * One function with its state in locals, strings scanned inline: this loop is most of ingest's
   * work per byte, and calls or property writes per string cost measurably here.
   */
  scan(b: Uint8Array, start: number): number {
    const kind = this.kind
    kind.fill(ValueKind.Absent)
    this.wasUnusual = false
    const stack = this.stack
    const outerLevels = this.outerLevels
    const maxDepth = this.rules.maxDepth
    const singleMask = this.singleMask
    const oneLine = this.rules.oneLine === true
    // Bit k: watched field k was seen.
    let seen = 0
    // Open containers, and the level of the innermost one once keys are split at their dots.
    let depth = 0
    let level = 0
    // Dots in the key whose value comes next: its containers open that many levels deeper.
    let keyDots = 0
    let i = start
    let field = -1 // the watched field whose value comes next, at depth 1
    let c: number | undefined
    let escaped = false
    // Whether the next string is an object's key (then a ':' and its value follow).
    let readingKey = false
    // Something merely unusual was seen: if the event turns out to be JSON, the exact path decides.
    let unusual = false

    // Each turn reads one key or value at b[i] (after whitespace), then what follows it.
    for (;;) {
      c = b[i]
      if (SPACE_BYTE[c!] === 1) {
        i = skipSpace(b, i, oneLine)
        if (i < 0) return NOT_CLEAN
        c = b[i]
      }
      const valueStart = i
      let valueKind: ValueKind = ValueKind.Other
      if (c === QUOTE) {
        // A string: plain bytes skipped in a tight loop, escapes checked one by one.
        escaped = false
        c = b[++i]
        if (readingKey) {
          // A key: its dots (raw or escaped) are counted as it is skipped.
          let dots = 0
          for (;;) {
            while (KEY_PLAIN[c!] === 1) c = b[++i]
            if (c === QUOTE) break
            if (c === DOT) {
              dots++
              c = b[++i]
              continue
            }
            if (c !== BACKSLASH) return NOT_CLEAN
            escaped = true
            if (b[i + 1] === LOWER_U && hex4(b, i + 2) === DOT) dots++
            i = escapeEnd(b, i)
            if (i < 0) return NOT_CLEAN
            c = b[i]
          }
          i++
          readingKey = false
          if (level + dots > maxDepth) return NOT_CLEAN
          keyDots = dots
          if (depth === 1) {
            // An escaped key may spell a watched name in disguise: the exact path reads it (once the
            // event is known to be JSON: a refusal is certain without it).
            if (escaped) unusual = true
            else field = this.watched(b, valueStart + 1, i - 1)
            if (field >= 0 && (singleMask & (1 << field)) !== 0) {
              if ((seen & (1 << field)) !== 0) return NOT_CLEAN
              seen |= 1 << field
            }
          }
          c = b[i]
          if (c !== COLON) {
            i = skipSpace(b, i, oneLine)
            if (i < 0 || b[i] !== COLON) return NOT_CLEAN
          }
          i++
          continue
        }
        for (;;) {
          while (PLAIN[c!] === 1) c = b[++i]
          if (c === QUOTE) break
          if (c !== BACKSLASH) return NOT_CLEAN
          escaped = true
          i = escapeEnd(b, i)
          if (i < 0) return NOT_CLEAN
          c = b[i]
        }
        i++
        valueKind = escaped ? ValueKind.EscapedString : ValueKind.PlainString
      } else if (readingKey) {
        return NOT_CLEAN
      } else if (c === LBRACE || c === LBRACKET) {
        const next = level + keyDots + 1
        if (next > maxDepth) return NOT_CLEAN
        if (field >= 0) {
          // A watched field holding an object or an array: noted as Other (the exact path words it).
          this.valueStart[field] = this.valueEnd[field] = i
          kind[field] = ValueKind.Other
          field = -1
        }
        const isObject = c === LBRACE
        outerLevels[depth] = level
        stack[depth++] = isObject ? 1 : 0
        level = next
        keyDots = 0
        c = b[++i]
        if (SPACE_BYTE[c!] === 1) {
          i = skipSpace(b, i, oneLine)
          if (i < 0) return NOT_CLEAN
          c = b[i]
        }
        if (c !== (isObject ? RBRACE : RBRACKET)) {
          readingKey = isObject
          continue
        }
        level = outerLevels[--depth]!
        i++
      } else if (c === MINUS || (c! >= ZERO && c! <= NINE)) {
        const end = number(b, i)
        if (end < 0) return NOT_CLEAN
        if (end >= UNUSUAL_NUMBER) {
          unusual = true
          i = end - UNUSUAL_NUMBER
        } else i = end
        valueKind = ValueKind.Number
      } else if (c === 0x74 /* t */) {
        if (b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) return NOT_CLEAN
        i += 4
      } else if (c === 0x66 /* f */) {
        if (b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return NOT_CLEAN
        i += 5
      } else if (c === 0x6e /* n */) {
        if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return NOT_CLEAN
        i += 4
      } else return NOT_CLEAN
      if (field >= 0) {
        this.valueStart[field] = valueStart
        this.valueEnd[field] = i
        kind[field] = valueKind
        field = -1
      }

      // After a value: a comma and the next key or value, or closers.
      for (;;) {
        if (depth === 0) return unusual ? this.unusual() : i
        c = b[i]
        if (SPACE_BYTE[c!] === 1) {
          i = skipSpace(b, i, oneLine)
          if (i < 0) return NOT_CLEAN
          c = b[i]
        }
        const inObject = stack[depth - 1] === 1
        if (c === COMMA) {
          i++
          readingKey = inObject
          break
        }
        if (c !== (inObject ? RBRACE : RBRACKET)) return NOT_CLEAN
        level = outerLevels[--depth]!
        keyDots = 0
        i++
      }
    }
  }

  /**
   * Whether the last NOT_CLEAN was for an event that is JSON and breaks no rule the scan checks,
   * but holds something merely unusual (an escaped top-level key, a number near ClickHouse's
   * limits), rather than a certain refusal (bad JSON, or a storage rule broken: too deep, an
   * unpaired surrogate, a repeated single field, an empty line; or the data ended inside the event).
   */
  wasUnusual = false

  private unusual(): number {
    this.wasUnusual = true
    return NOT_CLEAN
  }

  /** The watched field named by the key bytes b[from, to), or -1. */
  private watched(b: Uint8Array, from: number, to: number): number {
    const candidates = this.byLength[to - from]
    if (candidates === undefined) return -1
    next: for (const field of candidates) {
      const name = this.names[field]!
      for (let k = 0; k < name.length; k++) if (b[from + k] !== name[k]) continue next
      return field
    }
    return -1
  }
}
