// Reads the keys of an event's top-level object straight from its bytes, for the one thing
// JSON.parse hides: a key given twice (JSON.parse keeps the last value, ClickHouse the first).
// Only called for the rare events a cheap search marked as suspicious, so plain and iterative:
// nesting is skipped with a depth counter, never by recursion.

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c
const COLON = 0x3a

const decoder = new TextDecoder()

/**
 * The first key of `names` that the top-level object in bytes[start, end) holds more than once,
 * compared after unescaping (`"dur\u0061tion"` is `"duration"`). Undefined when there is none or
 * the bytes are not an object (the caller has parsed them already, so they are valid JSON).
 */
export function repeatedTopLevelKey(bytes: Uint8Array, start: number, end: number, names: ReadonlySet<string>): string | undefined {
  let i = start
  while (i < end && bytes[i] !== OPEN_OBJECT) i++
  i++
  const seen = new Set<string>()
  let depth = 1
  let expectKey = true
  while (i < end && depth > 0) {
    const b = bytes[i]!
    if (b === QUOTE) {
      const close = stringEnd(bytes, i, end)
      if (depth === 1 && expectKey) {
        const key = keyText(bytes, i, close)
        if (names.has(key)) {
          if (seen.has(key)) return key
          seen.add(key)
        }
        expectKey = false
      }
      i = close + 1
      continue
    }
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--
    else if (b === COMMA && depth === 1) expectKey = true
    else if (b === COLON && depth === 1) expectKey = false
    i++
  }
  return undefined
}

/** Offset of the quote that closes the string opening at `open`. */
function stringEnd(bytes: Uint8Array, open: number, end: number): number {
  let i = open + 1
  while (i < end) {
    const b = bytes[i]!
    if (b === BACKSLASH) i += 2
    else if (b === QUOTE) return i
    else i++
  }
  return end
}

function keyText(bytes: Uint8Array, open: number, close: number): string {
  const raw = decoder.decode(bytes.subarray(open, close + 1))
  if (raw.indexOf('\\') === -1) return raw.slice(1, -1)
  try {
    return JSON.parse(raw) as string
  } catch {
    return raw
  }
}
