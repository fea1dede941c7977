// The README's settings table and the schema config.ts reads are one list: every variable of the
// documented environment has a row, and every row names a variable sluice reads.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChildEnv, Env } from '../../src/config'

const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8')

/** Variable names of the tables under "## Configuration" and its query-limits table (`QUERY_*` stands for those). */
function documented(): Set<string> {
  const names = new Set<string>()
  const sections = [readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1)), readme.slice(readme.indexOf('Limits the SQL cannot lift'))]
  for (const section of sections) {
    for (const line of section.split('\n')) {
      if (!line.startsWith('| `')) continue
      const cell = line.split('|')[1]!
      for (const m of cell.matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)) names.add(m[1]!)
    }
  }
  return names
}

describe('the README settings table', () => {
  test('lists every variable of the environment schema, and none it does not read', () => {
    const schema = Object.keys(Env.properties)
    const rows = documented()
    const missing = schema.filter((name) => !rows.has(name) && !(name.startsWith('QUERY_') && rows.has('QUERY_*')))
    expect(missing).toEqual([])
    const unknown = [...rows].filter((name) => name !== 'QUERY_*' && !schema.includes(name))
    expect(unknown).toEqual([])
  })
  test('the variables sluice sets for its own child processes are not documented as settings', () => {
    for (const name of Object.keys(ChildEnv.properties)) expect(readme).not.toContain(name)
    expect(Object.keys(Env.properties).filter((n) => n.startsWith('SLUICE_CHILD_'))).toEqual([])
  })
})
