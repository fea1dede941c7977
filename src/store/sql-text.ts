// How sluice writes names and settings into ClickHouse SQL, for every backend.

/** Backtick-quotes an identifier. Names are validated upstream; this is the second fence. */
export const ident = (name: string): string => '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'

export const qualified = (database: string, table: string): string => `${ident(database)}.${ident(table)}`

/**
 * A ClickHouse string literal holding `text`: only `\` and `'` are special inside one. NUL is
 * escaped too, since the embedded engine takes a statement as a C string, which NUL would end.
 */
export const stringLiteral = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`

/** A SETTINGS clause body: `name = value, ...`, string values quoted. */
export function settingsClause(settings: Readonly<Record<string, string | number>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${typeof value === 'number' ? value : stringLiteral(value)}`)
    .join(', ')
}
