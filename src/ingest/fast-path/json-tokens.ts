// Readers of single JSON tokens in an event's bytes, for the single pass (event-scanner.ts): an
// escape, whitespace, a number literal. Each returns the offset after the token, or -1 when the
// bytes break the grammar or a storage rule the pass holds (exact-path/storage-rules.ts).
import { BACKSLASH, DOT, hex4, LF, LOWER_E, LOWER_U, MINUS, NINE, PLUS, SPACE_BYTE, UPPER_E, ZERO } from '../../json/bytes'

// Number literals that cannot come near ClickHouse's limits (±1e308, 309 integer digits, a scale
// of 308) are clean: at most 200 integer digits, and below 1e300 (integer digits plus a positive
// exponent under 300). The rest are left to the exact rule (storage-rules.ts).
const SAFE_INTEGER_DIGITS = 200
const SAFE_MAGNITUDE_DIGITS = 300

/** Bytes allowed after a backslash, besides 'u'. */
const SIMPLE_ESCAPE = new Uint8Array(256)
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1

/**
 * Checks the escape at b[i] (a backslash) and returns the offset after it, or -1: an
 * unknown escape, bad hex digits, or an unpaired surrogate escape (ClickHouse refuses those).
 */
export function escapeEnd(b: Uint8Array, i: number): number {
  const e = b[i + 1]!
  if (SIMPLE_ESCAPE[e] === 1) return i + 2
  if (e !== LOWER_U) return -1
  const unit = hex4(b, i + 2)
  if (unit < 0) return -1
  if (unit < 0xd800 || unit > 0xdfff) return i + 6
  // A high surrogate must be followed at once by an escaped low one; a lone low one is refused too.
  if (unit > 0xdbff || b[i + 6] !== BACKSLASH || b[i + 7] !== LOWER_U) return -1
  const low = hex4(b, i + 8)
  return low >= 0xdc00 && low <= 0xdfff ? i + 12 : -1
}

/**
 * Skips whitespace from b[i]; -1 at an empty line, which ClickHouse cannot read inside an
 * event, and at any line break when the event must lie on one line.
 */
export function skipSpace(b: Uint8Array, i: number, oneLine: boolean): number {
  for (;;) {
    const c = b[i]!
    if (SPACE_BYTE[c] !== 1) return i
    if (c === LF && (oneLine || b[i + 1] === LF)) return -1
    i++
  }
}

/**
 * number() adds this to the offset it returns for a literal that might be beyond what ClickHouse
 * reads as JSON.parse does (offsets are below 2^31).
 */
export const UNUSUAL_NUMBER = 2 ** 40

/**
 * Reads a number literal at b[i]; returns the offset after it (plus UNUSUAL_NUMBER for an unusual
 * one), or -1 when it is not JSON's grammar.
 */
export function number(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++
  let c = b[i]
  const intStart = i
  if (c === ZERO) c = b[++i]
  else if (c! > ZERO && c! <= NINE) {
    do c = b[++i]
    while (c! >= ZERO && c! <= NINE)
  } else return -1
  const intDigits = i - intStart
  let unusual = intDigits > SAFE_INTEGER_DIGITS
  if (c === DOT) {
    c = b[++i]
    if (!(c! >= ZERO && c! <= NINE)) return -1
    do c = b[++i]
    while (c! >= ZERO && c! <= NINE)
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = b[++i]
    const negative = c === MINUS
    if (negative || c === PLUS) c = b[++i]
    if (!(c! >= ZERO && c! <= NINE)) return -1
    let exponent = 0
    do {
      if (exponent < SAFE_MAGNITUDE_DIGITS) exponent = exponent * 10 + (c! - ZERO)
      c = b[++i]
    } while (c! >= ZERO && c! <= NINE)
    // A negative exponent only makes the number smaller; a positive one must keep it below 1e300.
    if (!negative && intDigits + exponent >= SAFE_MAGNITUDE_DIGITS) unusual = true
  }
  return unusual ? i + UNUSUAL_NUMBER : i
}
