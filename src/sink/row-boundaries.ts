// Where one v1 NDJSON row ends and the next begins. An event may be pretty-printed, so a newline
// alone is no boundary; but in valid JSON a '}' is never followed by '{' (a ',' must stand
// between two values) and strings hold no raw newlines, so "}\n{" occurs only between rows.
import { closingQuote, LBRACE, LF, RBRACE } from '../json/bytes'

/** True when the newline at `at` separates two rows (or ends the last one). */
export function isRowEnd(chunk: Uint8Array, at: number): boolean {
  return chunk[at] === LF && chunk[at - 1] === RBRACE && (at + 1 === chunk.length || chunk[at + 1] === LBRACE)
}

/** Rows in a chunk of whole rows (the last may lack its newline). */
export function countRows(chunk: Uint8Array): number {
  let rows = 0
  for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) if (isRowEnd(chunk, at)) rows++
  if (chunk.length > 0 && !isRowEnd(chunk, chunk.length - 1)) rows++
  return rows
}

/** The row boundary (a newline's offset) nearest the middle of the chunk, or -1 when it holds one row. */
export function middleRowEnd(chunk: Uint8Array): number {
  // A trailing newline ends the last row; it does not separate two.
  const end = chunk[chunk.length - 1] === LF ? chunk.length - 1 : chunk.length
  const mid = end >> 1
  for (let at = chunk.indexOf(LF, mid); at !== -1 && at < end; at = chunk.indexOf(LF, at + 1)) if (isRowEnd(chunk, at)) return at
  for (let at = mid > 0 ? chunk.lastIndexOf(LF, mid - 1) : -1; at !== -1; at = at > 0 ? chunk.lastIndexOf(LF, at - 1) : -1) if (isRowEnd(chunk, at)) return at
  return -1
}

/** Calls `row(start, end)` for each row of a chunk of whole rows; `end` is past its newline, if any. */
export function forEachRow(chunk: Uint8Array, row: (start: number, end: number) => void): void {
  let start = 0
  for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) {
    if (!isRowEnd(chunk, at)) continue
    row(start, at + 1)
    start = at + 1
  }
  if (start < chunk.length) row(start, chunk.length)
}

/** `,"_id":"` as bytes: in a v1 row the first occurrence is the `_id` field, which precedes `_raw`. */
const ID_FIELD = new TextEncoder().encode(',"_id":"')
const decoder = new TextDecoder()

/** The `_id` of the v1 row at [start, end), or undefined when the row has none where v1 puts it. */
export function rowId(chunk: Uint8Array, start: number, end: number): string | undefined {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  const field = bytes.indexOf(ID_FIELD, start)
  if (field === -1 || field >= end) return undefined
  const from = field + ID_FIELD.length
  const quote = closingQuote(chunk, from, end)
  if (quote < 0) return undefined
  const text = decoder.decode(chunk.subarray(from, quote))
  if (!text.includes('\\')) return text
  try {
    return JSON.parse(`"${text}"`) as string
  } catch {
    return undefined
  }
}
