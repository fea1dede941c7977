// Reads an event's bytes the way ClickHouse will, for what JSON.parse hides: in {"a":1e400,"a":1}
// JSON.parse keeps only the last "a" and ClickHouse reads the first, so a check of the parsed value
// cannot see the value ClickHouse chokes on. One pass over the bytes, no recursion, no allocation on
// the common path; it trusts that the bytes are valid JSON (JSON.parse has just read them).

import { hex4 } from './event-scanner'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39
const LOWER_U = 0x75
const LOWER_E = 0x65
const UPPER_E = 0x45
const DOT = 0x2e
const PLUS = 0x2b
const NEWLINE = 0x0a

export type ByteProblemKind = 'depth' | 'number' | 'surrogate' | 'repeated' | 'empty-line'

export interface ByteProblem {
  kind: ByteProblemKind
  /** The top-level key under which the problem sits ('' when it could not be read). */
  field: string
}

export interface ByteRules {
  /** Deepest nesting allowed, the event object being level 1. */
  maxDepth: number
  /** Largest magnitude a number may have. */
  maxMagnitude: number
  /** Most digits before a number's decimal point. */
  maxIntegerDigits: number
  /** Largest exponent a number may have once its fraction digits are taken off (0.0e309 is 0e308). */
  maxScale: number
  /** Top-level keys that must each appear once (also when a repeat spells one with escapes); at most 31. */
  singleKeys: readonly string[]
}

const decoder = new TextDecoder()

/** The first thing in the event bytes[start, end) that breaks the rules, or undefined. */
export function scanEventBytes(bytes: Uint8Array, start: number, end: number, rules: ByteRules): ByteProblem | undefined {
  const singles = rules.singleKeys
  let depth = 0
  // The top-level key being read or last read: bytes[keyStart, keyEnd) without its quotes.
  let keyStart = 0
  let keyEnd = 0
  let expectKey = false
  // Bit k: singles[k] was seen.
  let seen = 0
  const problem = (kind: ByteProblemKind): ByteProblem => ({ kind, field: keyText(bytes, keyStart, keyEnd) })
  let i = start
  while (i < end) {
    const b = bytes[i]!
    if (b === QUOTE) {
      const open = i
      const readingKey = depth === 1 && expectKey
      let escaped = false
      i++
      while (i < end) {
        const c = bytes[i]!
        if (c !== QUOTE && c !== BACKSLASH) {
          i++
          continue
        }
        if (c === QUOTE) break
        escaped = true
        if (bytes[i + 1] === LOWER_U) {
          const unit = hex4(bytes, i + 2)
          // A high surrogate must be followed at once by an escaped low one; the pair is one character.
          const high = unit >= 0xd800 && unit <= 0xdbff
          if (isLow(unit) || (high && !(bytes[i + 6] === BACKSLASH && bytes[i + 7] === LOWER_U && isLow(hex4(bytes, i + 8))))) {
            if (readingKey) (keyStart = open + 1), (keyEnd = stringEnd(bytes, i, end))
            return problem('surrogate')
          }
          i += high ? 12 : 6
        } else i += 2
      }
      if (readingKey) {
        keyStart = open + 1
        keyEnd = i
        expectKey = false
        const single = whichKey(bytes, keyStart, keyEnd, escaped, singles)
        if (single >= 0) {
          if ((seen & (1 << single)) !== 0) return problem('repeated')
          seen |= 1 << single
        }
      }
      i++
      continue
    }
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > rules.maxDepth) return problem('depth')
      if (depth === 1) expectKey = true
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--
    } else if (b === COMMA) {
      if (depth === 1) expectKey = true
    } else if (b === NEWLINE && bytes[i + 1] === NEWLINE && i + 1 < end) {
      // ClickHouse reads `_raw` (an object inside the row) with a bracket counter that stops at an
      // empty line; strings hold no raw newline in valid JSON, so this is the only place one can be.
      return problem('empty-line')
    } else if (b === MINUS || (b >= ZERO && b <= NINE)) {
      const literalEnd = numberEnd(bytes, i, end)
      if (badNumber(bytes, i, literalEnd, rules)) return problem('number')
      i = literalEnd
      continue
    }
    i++
  }
  return undefined
}

function numberEnd(bytes: Uint8Array, from: number, end: number): number {
  let i = from + 1
  while (i < end) {
    const c = bytes[i]!
    if ((c >= ZERO && c <= NINE) || c === DOT || c === LOWER_E || c === UPPER_E || c === MINUS || c === PLUS) i++
    else break
  }
  return i
}

/** True when ClickHouse cannot read the number literal bytes[from, to) as JSON.parse does. */
function badNumber(bytes: Uint8Array, from: number, to: number, rules: ByteRules): boolean {
  let intDigits = 0
  let fracDigits = 0
  let fraction = false
  let exponent = 0
  for (let i = from; i < to; i++) {
    const c = bytes[i]!
    if (c === DOT) fraction = true
    else if (c === LOWER_E || c === UPPER_E) {
      let j = i + 1
      const negative = bytes[j] === MINUS
      if (negative || bytes[j] === PLUS) j++
      for (; j < to && exponent < 100_000; j++) exponent = exponent * 10 + (bytes[j]! - ZERO)
      if (negative) exponent = -exponent
      break
    } else if (c >= ZERO && c <= NINE) {
      if (fraction) fracDigits++
      else intDigits++
    }
  }
  if (intDigits > rules.maxIntegerDigits || exponent - fracDigits > rules.maxScale) return true
  // Certainly below 1e299 in magnitude: no need to convert.
  if (intDigits + exponent < 300) return false
  return Math.abs(Number(decoder.decode(bytes.subarray(from, to)))) > rules.maxMagnitude
}

const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff

/** Offset of the quote that closes the string `from` is inside. */
function stringEnd(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (bytes[i] === BACKSLASH) i++
    else if (bytes[i] === QUOTE) return i
  }
  return end
}

/** Which of `names` the key bytes[from, to) is (decoding escapes, which can spell one in disguise), or -1. */
function whichKey(bytes: Uint8Array, from: number, to: number, escaped: boolean, names: readonly string[]): number {
  if (escaped) return names.indexOf(keyText(bytes, from, to))
  next: for (let n = 0; n < names.length; n++) {
    const name = names[n]!
    if (to - from !== name.length) continue
    for (let k = 0; k < name.length; k++) if (bytes[from + k] !== name.charCodeAt(k)) continue next
    return n
  }
  return -1
}

function keyText(bytes: Uint8Array, from: number, to: number): string {
  const raw = decoder.decode(bytes.subarray(from, to))
  if (raw.indexOf('\\') === -1) return raw
  try {
    return JSON.parse(`"${raw}"`) as string
  } catch {
    return raw
  }
}
