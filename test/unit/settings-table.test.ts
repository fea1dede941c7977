// The settings table (docs/configuration.md, with the query limits of docs/query.md) and the schema
// config.ts reads are one list: every variable of the documented environment has a row, and every
// row names a variable sluice reads.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChildEnv, Env } from '../../src/config'

const DOCS = join(import.meta.dir, '../../docs')
const configuration = readFileSync(join(DOCS, 'configuration.md'), 'utf8')
const query = readFileSync(join(DOCS, 'query.md'), 'utf8')
const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8')

/** Variable names of the settings table and of the query-limits table (`QUERY_*` stands for those). */
function documented(): Set<string> {
  const names = new Set<string>()
  const limits = query.slice(query.indexOf('Limits the SQL cannot lift'))
  const sections = [configuration, limits.slice(0, limits.indexOf('\n\n', limits.indexOf('| variable')))]
  for (const section of sections) {
    for (const line of section.split('\n')) {
      if (!line.startsWith('| `')) continue
      const cell = line.split('|')[1]!
      for (const m of cell.matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)) names.add(m[1]!)
    }
  }
  return names
}

describe('the settings table (docs/configuration.md)', () => {
  test('lists every variable of the environment schema, and none it does not read', () => {
    const schema = Object.keys(Env.properties)
    const rows = documented()
    const missing = schema.filter((name) => !rows.has(name) && !(name.startsWith('QUERY_') && rows.has('QUERY_*')))
    expect(missing).toEqual([])
    const unknown = [...rows].filter((name) => name !== 'QUERY_*' && !schema.includes(name))
    expect(unknown).toEqual([])
  })
  test('the variables sluice sets for its own child processes are not documented as settings', () => {
    for (const name of Object.keys(ChildEnv.properties)) for (const text of [readme, configuration, query]) expect(text).not.toContain(name)
    expect(Object.keys(Env.properties).filter((n) => n.startsWith('SLUICE_CHILD_'))).toEqual([])
  })
})
