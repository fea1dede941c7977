// Reads an event's bytes the way ClickHouse will, for what JSON.parse hides: in {"a":1e400,"a":1}
// JSON.parse keeps only the last "a" and ClickHouse reads the first, so a check of the parsed value
// cannot see the value ClickHouse chokes on. One pass over the bytes, no recursion, no allocation on
// the common path; it trusts that the bytes are valid JSON (JSON.parse has just read them).

import { BACKSLASH, closingQuote, COLON, COMMA, DOT, hex4, isSpace, LBRACE, LBRACKET, LF, LOWER_E, LOWER_U, MINUS, NINE, PLUS, QUOTE, RBRACE, RBRACKET, UPPER_E, ZERO } from '../../json/bytes'

/** 'key-depth': too deep only once keys are split at their dots, as ClickHouse stores them. */
export type ByteProblemKind = 'depth' | 'key-depth' | 'number' | 'surrogate' | 'repeated' | 'empty-line'

export interface ByteProblem {
  kind: ByteProblemKind
  /** The top-level key under which the problem sits ('' when it could not be read). */
  field: string
}

export interface ByteRules {
  /** Deepest nesting allowed, the event object being level 1 and each dot in a key one more level. */
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
/** Per open container, the level of the one around it (grown to the deepest maxDepth asked for). */
let outerLevels = new Int32Array(0)

/** The first thing in the event bytes[start, end) that breaks the rules, or undefined. */
export function scanEventBytes(bytes: Uint8Array, start: number, end: number, rules: ByteRules): ByteProblem | undefined {
  const singles = rules.singleKeys
  const maxDepth = rules.maxDepth
  if (outerLevels.length <= maxDepth) outerLevels = new Int32Array(maxDepth + 1)
  const outer = outerLevels
  // Open containers, and the level of the innermost one as ClickHouse nests it: a key "a.b" holds
  // its value two levels below its object ("a", then "b"), one more level per dot.
  let depth = 0
  let level = 0
  // Dots in the key whose value is being read: that value opens its containers this much deeper.
  let keyDots = 0
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
      let dots = 0
      i++
      while (i < end) {
        const c = bytes[i]!
        if (c !== QUOTE && c !== BACKSLASH) {
          if (c === DOT) dots++
          i++
          continue
        }
        if (c === QUOTE) break
        escaped = true
        if (bytes[i + 1] === LOWER_U) {
          const unit = hex4(bytes, i + 2)
          if (unit === DOT) dots++
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
      // A string followed by a colon is a key (the bytes are valid JSON): its dots are levels.
      if (dots > 0 && isKeyEnd(bytes, i, end)) {
        if (level + dots > maxDepth) return problem('key-depth')
        keyDots = dots
      } else keyDots = 0
      continue
    }
    if (b === LBRACE || b === LBRACKET) {
      const next = level + keyDots + 1
      if (next > maxDepth) return problem(depth + 1 > maxDepth ? 'depth' : 'key-depth')
      outer[depth++] = level
      level = next
      keyDots = 0
      if (depth === 1) expectKey = true
    } else if (b === RBRACE || b === RBRACKET) {
      level = outer[--depth]!
      keyDots = 0
    } else if (b === COMMA) {
      if (depth === 1) expectKey = true
    } else if (b === LF && bytes[i + 1] === LF && i + 1 < end) {
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

/** Whether a colon follows bytes[from] after whitespace: the string that ends there is a key. */
function isKeyEnd(bytes: Uint8Array, from: number, end: number): boolean {
  let i = from
  while (i < end && isSpace(bytes[i])) i++
  return bytes[i] === COLON
}

/** Offset of the quote that closes the string `from` is inside (at an escape), or `end`. */
function stringEnd(bytes: Uint8Array, from: number, end: number): number {
  const quote = closingQuote(bytes, from, end)
  return quote < 0 ? end : quote
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
