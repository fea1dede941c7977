// The README's "Send from your language" shows exactly the programs that the examples test runs
// against a live sluice (examples/, written by the generator the console also uses).
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '../..')

test("the README's send examples are the tested programs, byte for byte", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Send from your language'), readme.indexOf('\n## ', readme.indexOf('## Send from your language') + 1))
  const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]])
  const files: [string, string][] = [['sh', 'send.sh'], ['js', 'send.mjs'], ['python', 'send.py'], ['go', 'send.go']]
  expect(blocks.map(([lang]) => lang)).toEqual(files.map(([lang]) => lang))
  for (const [i, [, file]] of files.entries()) expect(blocks[i]![1]).toBe(readFileSync(join(ROOT, 'examples', file), 'utf8').replace(/\n$/, ''))
})
