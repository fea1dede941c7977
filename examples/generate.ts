// Writes the "send from your language" programs of this folder from src/http/send-examples.ts, the
// one generator the README and the console use too: `bun examples/generate.ts`.
// test/integration/examples.test.ts fails when these files and the generator differ.
import { join } from 'node:path'
import { sendExamples } from '../src/http/send-examples'

/** The committed programs' defaults: a local sluice, its key read from ./data/api-key, run from the checkout. */
export const EXAMPLE_TARGET = { baseUrl: 'http://localhost:3000', dataset: 'logs', apiKey: '', folder: 'examples/' }
export const EXAMPLE_FILES = { curl: 'send.sh', javascript: 'send.mjs', python: 'send.py', go: 'send.go' } as const

if (import.meta.main) {
  const examples = sendExamples(EXAMPLE_TARGET)
  for (const [language, file] of Object.entries(EXAMPLE_FILES)) {
    await Bun.write(join(import.meta.dir, file), examples[language as keyof typeof EXAMPLE_FILES])
  }
}
