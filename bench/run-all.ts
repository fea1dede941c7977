// `npm run bench`: every bench in this folder, one after another (they would disturb each other).
import { readdirSync } from 'node:fs'

for (const file of readdirSync(import.meta.dir).filter((f) => f.endsWith('.bench.ts')).sort()) {
  console.log(`\n=== ${file}`)
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/${file}`], { stdout: 'inherit', stderr: 'inherit' })
  if ((await proc.exited) !== 0) process.exitCode = 1
}
