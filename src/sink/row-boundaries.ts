// Where one v1 NDJSON row ends and the next begins. An event may be pretty-printed, so a newline
// alone is no boundary; but in valid JSON a '}' is never followed by '{' (a ',' must stand
// between two values) and strings hold no raw newlines, so "}\n{" occurs only between rows.

const NEWLINE = 0x0a
const CLOSE = 0x7d // }
const OPEN = 0x7b // {

/** True when the newline at `at` separates two rows (or ends the last one). */
export function isRowEnd(chunk: Uint8Array, at: number): boolean {
  return chunk[at] === NEWLINE && chunk[at - 1] === CLOSE && (at + 1 === chunk.length || chunk[at + 1] === OPEN)
}

/** Rows in a chunk of whole rows (the last may lack its newline). */
export function countRows(chunk: Uint8Array): number {
  let rows = 0
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) if (isRowEnd(chunk, at)) rows++
  if (chunk.length > 0 && !isRowEnd(chunk, chunk.length - 1)) rows++
  return rows
}

/** The row boundary (a newline's offset) nearest the middle of the chunk, or -1 when it holds one row. */
export function middleRowEnd(chunk: Uint8Array): number {
  // A trailing newline ends the last row; it does not separate two.
  const end = chunk[chunk.length - 1] === NEWLINE ? chunk.length - 1 : chunk.length
  const mid = end >> 1
  for (let at = chunk.indexOf(NEWLINE, mid); at !== -1 && at < end; at = chunk.indexOf(NEWLINE, at + 1)) if (isRowEnd(chunk, at)) return at
  for (let at = mid > 0 ? chunk.lastIndexOf(NEWLINE, mid - 1) : -1; at !== -1; at = at > 0 ? chunk.lastIndexOf(NEWLINE, at - 1) : -1) if (isRowEnd(chunk, at)) return at
  return -1
}
