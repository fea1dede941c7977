// Readers of single JSON tokens in an event's bytes, for the single pass (event-scanner.ts): an
// escape, whitespace, a number literal, four hex digits. Each returns the offset after the token,
// or -1 when the bytes break the grammar or a storage rule the pass holds (storage-rules.ts).

const TAB = 0x09, LF = 0x0a, CR = 0x0d, SPACE = 0x20, PLUS = 0x2b, MINUS = 0x2d, DOT = 0x2e
const ZERO = 0x30, NINE = 0x39, UPPER_E = 0x45, BACKSLASH = 0x5c, LOWER_E = 0x65, LOWER_U = 0x75

// Number literals that cannot come near ClickHouse's limits (±1e308, 309 integer digits, a scale
// of 308) are clean: at most 200 integer digits, and below 1e300 (integer digits plus a positive
// exponent under 300). The rest are left to the exact rule (storage-rules.ts).
const SAFE_INTEGER_DIGITS = 200
const SAFE_MAGNITUDE_DIGITS = 300

/** JSON's four whitespace bytes. */
export const SPACE_BYTE = new Uint8Array(256)
SPACE_BYTE[SPACE] = SPACE_BYTE[LF] = SPACE_BYTE[CR] = SPACE_BYTE[TAB] = 1
/** Bytes allowed after a backslash, besides 'u'. */
const SIMPLE_ESCAPE = new Uint8Array(256)
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1
const HEX = new Int8Array(256).fill(-1)
for (let c = 0; c < 10; c++) HEX[ZERO + c] = c
for (let c = 0; c < 6; c++) HEX[0x61 + c] = HEX[0x41 + c] = 10 + c

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

/** The code unit of the 4 hex digits at b[at], or -1. */
export function hex4(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) return -1
  const h0 = HEX[b[at]!]!, h1 = HEX[b[at + 1]!]!, h2 = HEX[b[at + 2]!]!, h3 = HEX[b[at + 3]!]!
  if ((h0 | h1 | h2 | h3) < 0) return -1
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3
}
