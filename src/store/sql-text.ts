// How sluice writes names and settings into ClickHouse SQL, for every backend.

/** Backtick-quotes an identifier. Names are validated upstream; this is the second fence. */
export const ident = (name: string): string => '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'

export const qualified = (database: string, table: string): string => `${ident(database)}.${ident(table)}`

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** A SETTINGS clause body: `name = value, ...`, string values quoted. */
export function settingsClause(settings: Readonly<Record<string, string | number>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${typeof value === 'number' ? value : quote(value)}`)
    .join(', ')
}
