// docs/send.md ("Send from your language") shows exactly the programs that the examples test runs
// against a live sluice (examples/, written by the generator the console also uses), and the README
// says how to run each of them.
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '../..')

test("docs/send.md's examples are the tested programs, byte for byte", () => {
  const page = readFileSync(join(ROOT, 'docs/send.md'), 'utf8')
  const section = page.slice(page.indexOf('\n## The programs\n'))
  const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]])
  const files: [string, string][] = [['sh', 'send.sh'], ['js', 'send.mjs'], ['python', 'send.py'], ['go', 'send.go']]
  expect(blocks.map(([lang]) => lang)).toEqual(files.map(([lang]) => lang))
  for (const [i, [, file]] of files.entries()) expect(blocks[i]![1]).toBe(readFileSync(join(ROOT, 'examples', file), 'utf8').replace(/\n$/, ''))
})
