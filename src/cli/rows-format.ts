// How `npm run query` prints rows: a table for a person, JSON, NDJSON or CSV for other programs.
import { terminalCell, terminalJson, terminalText } from './terminal-text'

export type RowFormat = 'table' | 'json' | 'ndjson' | 'csv'
export const ROW_FORMATS: readonly RowFormat[] = ['table', 'json', 'ndjson', 'csv']

export type Row = Record<string, unknown>

/** Starts of a field a spreadsheet reads as a formula, or that it drops before reading one (tab, CR). */
const FORMULA_START = /^[=+\-@\t\r]/
/** A number as text ('-5', '+1.5e3'): a spreadsheet reads it as that number, which is no formula. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; objects as JSON.
 * Event text is written by anyone holding the public ingest key, and a CSV is opened in spreadsheets:
 * text starting with = + - @ tab or CR (a formula: `=HYPERLINK(...)` leaks data when clicked) is
 * written after a single quote, as OWASP advises (https://owasp.org/www-community/attacks/CSV_Injection).
 * Numbers, and text that is only a number, are written as they are.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const csvLine = (values: readonly unknown[]): string => values.map(csvField).join(',')

/** The rows console.table prints for the table format: names and cells with every control shown escaped. */
export const tableRows = (rows: readonly Row[]): Row[] =>
  rows.map((r) => {
    const safe: Row = {}
    for (const key in r) safe[terminalText(key)] = terminalCell(r[key])
    return safe
  })

/** The text for `rows` (columns in `columns` order); empty for table, which console.table prints (tableRows). */
export function formatRows(rows: readonly Row[], columns: readonly string[], format: RowFormat): string {
  switch (format) {
    case 'json':
      return terminalJson(JSON.stringify(rows, null, 2))
    case 'ndjson':
      return rows.map((r) => terminalJson(JSON.stringify(r))).join('\n')
    case 'csv':
      return [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\r\n')
    case 'table':
      return ''
  }
}
