// How `npm run query` prints rows: a table for a person, JSON, NDJSON or CSV for other programs.

export type RowFormat = 'table' | 'json' | 'ndjson' | 'csv'
export const ROW_FORMATS: readonly RowFormat[] = ['table', 'json', 'ndjson', 'csv']

export type Row = Record<string, unknown>

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; objects as JSON. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const csvLine = (values: readonly unknown[]): string => values.map(csvField).join(',')

/** The text for `rows` (columns in `columns` order); empty for table, which console.table prints. */
export function formatRows(rows: readonly Row[], columns: readonly string[], format: RowFormat, header = true): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, null, 2)
    case 'ndjson':
      return rows.map((r) => JSON.stringify(r)).join('\n')
    case 'csv':
      return [...(header ? [csvLine(columns)] : []), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\r\n')
    case 'table':
      return ''
  }
}
