// The bytes of JSON's grammar (RFC 8259) and the few scanning helpers that every reader of JSON
// bytes in sluice shares: ingest's splitters, its single-pass scanner and exact-path byte reader,
// and the sink's row boundaries. No reader here decodes anything; each returns offsets.

export const TAB = 0x09
export const LF = 0x0a
export const CR = 0x0d
export const SPACE = 0x20
export const QUOTE = 0x22
export const PLUS = 0x2b
export const COMMA = 0x2c
export const MINUS = 0x2d
export const DOT = 0x2e
export const ZERO = 0x30
export const NINE = 0x39
export const COLON = 0x3a
export const UPPER_E = 0x45
export const LBRACKET = 0x5b
export const BACKSLASH = 0x5c
export const RBRACKET = 0x5d
export const LOWER_E = 0x65
export const LOWER_U = 0x75
export const LBRACE = 0x7b
export const RBRACE = 0x7d

/** JSON's four whitespace bytes, as a table for the tightest loops: SPACE_BYTE[c] === 1. */
export const SPACE_BYTE = new Uint8Array(256)
SPACE_BYTE[SPACE] = SPACE_BYTE[LF] = SPACE_BYTE[CR] = SPACE_BYTE[TAB] = 1

/** Whether c is one of JSON's four whitespace bytes; undefined (read past the data) is not. */
export const isSpace = (c: number | undefined): boolean => c === SPACE || c === LF || c === CR || c === TAB

const HEX = new Int8Array(256).fill(-1)
for (let c = 0; c < 10; c++) HEX[ZERO + c] = c
for (let c = 0; c < 6; c++) HEX[0x61 + c] = HEX[0x41 + c] = 10 + c

/** The code unit of the 4 hex digits at b[at] (as in a \uXXXX escape), or -1. */
export function hex4(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) return -1
  const h0 = HEX[b[at]!]!, h1 = HEX[b[at + 1]!]!, h2 = HEX[b[at + 2]!]!, h3 = HEX[b[at + 3]!]!
  if ((h0 | h1 | h2 | h3) < 0) return -1
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3
}

/** Strings shorter than this are scanned in JS; see closingQuote. */
const SHORT_STRING = 64

/**
 * Offset of the quote that closes a string whose content continues at b[from] (any offset inside
 * the string that does not split an escape), or -1 when the string goes on past `end`.
 * It never interprets the content: a quote closes the string unless an odd run of backslashes
 * precedes it. A native indexOf call costs ~12 ns, more than a JS loop over a typical key, id or
 * level, so the first SHORT_STRING bytes are scanned in JS and only long strings (messages, stack
 * traces) are handed to indexOf (memchr speed).
 */
export function closingQuote(b: Uint8Array, from: number, end: number): number {
  let i = from
  for (;;) {
    const lim = i + SHORT_STRING < end ? i + SHORT_STRING : end
    while (i < lim && b[i] !== QUOTE) i++
    if (i === lim) {
      if (lim === end) return -1
      i = b.indexOf(QUOTE, i)
      if (i < 0 || i >= end) return -1
    }
    if (b[i - 1] !== BACKSLASH) return i
    // An odd run of backslashes escapes the quote. The run cannot go past the opening quote, so
    // this also works when the string began in data scanned earlier (a body arriving in chunks).
    let k = i - 2
    while (b[k] === BACKSLASH) k--
    if (((i - 1 - k) & 1) === 0) return i
    i++
  }
}
