// Event text is written by anyone holding the public ingest key, and `npm run query` prints it to an
// operator's terminal. Control characters there are commands, not text: ESC starts sequences that
// clear the screen, move the cursor, set the window title or (in some terminals) write to the
// clipboard; a bare CR lets a row overwrite itself; bidirectional overrides reorder what is shown
// (https://trojansource.codes). So what a person reads shows each of them as an escape instead.

/**
 * C0 controls (tab and line breaks among them: a table row must stay one line), DEL, the C1
 * controls (U+009B is a one-character CSI to some terminals), the line and paragraph separators,
 * and the bidirectional marks, embeddings, overrides and isolates.
 */
const SHOWN_ESCAPED = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
/** The same, less C0: JSON.stringify already writes those as escapes. */
const JSON_UNESCAPED = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0')

/** `text` with every control character shown as an escape (`\x1b`, `\r`, `\u202e`), for a terminal. */
export const terminalText = (text: string): string =>
  text.replace(SHOWN_ESCAPED, (c) => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`))

/** JSON text with the controls JSON.stringify leaves raw written as \u escapes: the same JSON value. */
export const terminalJson = (json: string): string => json.replace(JSON_UNESCAPED, (c) => `\\u${hex(c, 4)}`)

/** A cell of the table format: objects as JSON, then every control shown escaped. */
export function terminalCell(value: unknown): unknown {
  if (typeof value === 'string') return terminalText(value)
  if (value !== null && typeof value === 'object') return terminalText(JSON.stringify(value))
  return value
}
