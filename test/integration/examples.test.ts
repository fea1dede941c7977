// "Send from your language": each program of src/http/send-examples.ts (the text docs/send.md, the
// console and examples/ show) run as a person would, against a live sluice; its events must land.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXAMPLE_FILES, EXAMPLE_TARGET } from '../../examples/generate'
import { EXAMPLE_EVENTS } from '../../src/http/model'
import { sendExamples, type SendExamples } from '../../src/http/send-examples'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
/** What reached sluice through the front below, per dataset: each attempt's headers and inflated body. */
const attempts = new Map<string, { key: string | null; encoding: string | null; body: string; answered: number }[]>()
let front: ReturnType<typeof Bun.serve>
beforeAll(async () => {
  p = await startTestPipeline()
  // In front of the live sluice: the first attempt of each batch reaches sluice and is stored, but
  // its answer is replaced by a 503 with Retry-After: 1 (as when an answer is lost, or a node fails
  // part way), so each program shows it retries with the same key and body, and sluice stores once.
  front = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const dataset = new URL(request.url).pathname.split('/')[2]!
      const body = new Uint8Array(await request.arrayBuffer())
      const seen = attempts.get(dataset) ?? []
      attempts.set(dataset, seen)
      const encoding = request.headers.get('content-encoding')
      const attempt = { key: request.headers.get('idempotency-key'), encoding, body: encoding === 'gzip' ? gunzipSync(body).toString() : Buffer.from(body).toString(), answered: 503 }
      seen.push(attempt)
      const answer = await fetch(`${p.sluice.url}${new URL(request.url).pathname}`, { method: 'POST', headers: request.headers, body })
      const answerBody = await answer.arrayBuffer()
      if (seen.length === 1) return new Response('{"message":"Service Unavailable"}', { status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' } })
      attempt.answered = answer.status
      return new Response(answerBody, { status: answer.status, headers: answer.headers })
    },
  })
})
afterAll(async () => {
  front?.stop(true)
  await p?.stop()
})

/** How each program is run, as its header comment says. */
const RUN: Record<keyof SendExamples, (file: string) => string[]> = {
  curl: (file) => ['sh', file],
  javascript: (file) => ['node', file],
  python: (file) => ['python3', file],
  go: (file) => ['go', 'run', file],
}

/** Writes `source` into `dir` and runs it there as its header says, with only `env` beyond PATH and HOME. */
async function runProgram(language: keyof SendExamples, dir: string, source: string, env: Record<string, string>): Promise<{ out: string; err: string; code: number }> {
  const file = join(dir, EXAMPLE_FILES[language])
  await Bun.write(file, source)
  const run = Bun.spawn(RUN[language](file), { cwd: dir, stdout: 'pipe', stderr: 'pipe', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', GOCACHE: process.env.GOCACHE ?? join(process.env.HOME ?? '/root', '.cache/go-build'), ...env } })
  const killer = setTimeout(() => run.kill('SIGKILL'), 45_000)
  const [out, err, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited])
  clearTimeout(killer)
  return { out, err, code }
}

/** Fails loudly when a language's tool is missing: these examples are what the README and docs/send.md promise. */
function requireTool(name: string): void {
  if (Bun.which(name) === null) throw new Error(`${name} is not installed: the examples test needs curl, node, python3 and go (Debian: apt-get install -y curl python3 golang-go)`)
}

describe('send from your language', () => {
  test('the programs in examples/ are the generator\'s text (docs, console and files cannot drift)', () => {
    const examples = sendExamples(EXAMPLE_TARGET)
    for (const [language, file] of Object.entries(EXAMPLE_FILES)) {
      expect(readFileSync(join(import.meta.dir, '../../examples', file), 'utf8'), `${file}: run bun examples/generate.ts`).toBe(examples[language as keyof SendExamples])
    }
  })

  test.each(Object.keys(RUN) as (keyof SendExamples)[])(
    'the %s example sends gzip with an Idempotency-Key, retries a 503 after Retry-After with the same key, gets 202, and its events land once as sent',
    async (language) => {
      const tool = RUN[language]('x')[0]!
      requireTool(tool)
      const dataset = `examples_${language}`
      // As the committed programs, with their defaults: the URL from SLUICE_URL, the key from
      // ./data/api-key in the folder they run from (as a local sluice leaves it, with its newline).
      const source = sendExamples({ ...EXAMPLE_TARGET, dataset, service: `example-${language}` })[language]
      const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'))
      mkdirSync(join(dir, 'data'))
      await Bun.write(join(dir, 'data/api-key'), `${PIPELINE_KEY}\n`)
      const { out, err, code } = await runProgram(language, dir, source, { SLUICE_URL: `${front.url.origin}/` })
      expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' })
      expect(out).toContain('Request Accepted')
      const tries = attempts.get(dataset)!
      expect(tries.map((t) => t.answered)).toEqual([503, 202])
      expect(tries[0]!.key).toMatch(/^[0-9a-f-]{16,}$/)
      expect(tries[1]!.key).toBe(tries[0]!.key)
      expect(tries.map((t) => t.encoding)).toEqual(['gzip', 'gzip'])
      expect(JSON.parse(tries[1]!.body)).toEqual(EXAMPLE_EVENTS)
      expect(await p.waitForCount(dataset, EXAMPLE_EVENTS.length)).toBe(EXAMPLE_EVENTS.length)
      // Both attempts reached sluice: the second must not have stored the events again.
      expect(await p.waitForCount(dataset, EXAMPLE_EVENTS.length + 1, 600)).toBe(EXAMPLE_EVENTS.length)
      const rows = await p.query(`SELECT _service, _raw FROM ${p.clickhouse.database}.${dataset} ORDER BY data.message`)
      expect(rows.map((r) => r._service)).toEqual(EXAMPLE_EVENTS.map(() => `example-${language}`))
      expect(rows.map((r) => JSON.parse(r._raw))).toEqual(EXAMPLE_EVENTS)
    },
    55_000,
  )

  test.each(Object.keys(RUN) as (keyof SendExamples)[])('the %s example without SLUICE_API_KEY or ./data/api-key stops before sending, saying what to set', async (language) => {
    requireTool(RUN[language]('x')[0]!)
    const dataset = `examples_nokey_${language}`
    const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'))
    const { code, err } = await runProgram(language, dir, sendExamples({ ...EXAMPLE_TARGET, dataset })[language], { SLUICE_URL: front.url.origin })
    expect(code).not.toBe(0)
    expect(err).toContain('set SLUICE_API_KEY')
    expect(attempts.get(dataset)).toBeUndefined()
  }, 55_000)

  test('SLUICE_API_KEY is read before ./data/api-key, and a key given to the generator (the console\'s) is its default', async () => {
    requireTool('python3')
    const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'))
    mkdirSync(join(dir, 'data'))
    await Bun.write(join(dir, 'data/api-key'), 'not-a-key\n')
    const fromEnv = await runProgram('python', dir, sendExamples({ ...EXAMPLE_TARGET, dataset: 'examples_env_key' }).python, { SLUICE_URL: front.url.origin, SLUICE_API_KEY: PIPELINE_KEY })
    expect(fromEnv.out).toContain('Request Accepted')
    const given = await runProgram('python', dir, sendExamples({ baseUrl: front.url.origin, dataset: 'examples_given_key', apiKey: PIPELINE_KEY }).python, {})
    expect(given.out).toContain('Request Accepted')
  }, 55_000)

  test('each program compresses its body and sends an Idempotency-Key', () => {
    const examples = sendExamples(EXAMPLE_TARGET)
    for (const text of Object.values(examples)) {
      expect(text.toLowerCase()).toContain('idempotency-key')
      expect(text.toLowerCase()).toContain('content-encoding')
      expect(text).toContain('gzip')
    }
  })
})
