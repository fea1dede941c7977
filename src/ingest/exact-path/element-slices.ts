// Parses the elements of a JSON array body a slice at a time: one JSON.parse of a few dozen KB
// of consecutive elements is several times faster than one parse per element, and unlike one
// parse of the whole body it never holds more than a slice's worth of parsed values (a 6 MB body
// of `{}` is 2M objects, about 1 GB, when parsed at once). A slice that is not valid JSON as a
// whole falls back to one parse per element, so a bad element costs only its own slice.

// Keeps the BOM if an element starts with one: JSON.parse then refuses it, as JSON must.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Elements [from, to) parsed in one go, or undefined when that text is not a JSON array of
 * exactly to - from values (a bad element among them, an empty one, invalid UTF-8).
 */
export function parseRun(bytes: Uint8Array, run: { starts: Int32Array; ends: Int32Array }, from: number, to: number): unknown[] | undefined {
  if (to <= from) return []
  try {
    const text = decoder.decode(bytes.subarray(run.starts[from]!, run.ends[to - 1]!))
    const value = JSON.parse(`[${text}]`)
    return Array.isArray(value) && value.length === to - from ? value : undefined
  } catch {
    return undefined
  }
}

/** One element parsed on its own, or the sentence that says why it is not JSON. */
export function parseElement(bytes: Uint8Array, start: number, end: number): { value: unknown } | string {
  let text: string
  try {
    text = decoder.decode(bytes.subarray(start, end))
  } catch {
    return 'The event is not valid UTF-8 text.'
  }
  if (text.length === 0) return 'The array has an empty element here (two commas in a row, or a comma before "]").'
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    return `The event is not valid JSON: ${(error as Error).message}.`
  }
}
