// "Send from your language": each program of src/http/send-examples.ts (the text the README, the
// console and examples/ show) run as a person would, against a live sluice; its events must land.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
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

/** Fails loudly when a language's tool is missing: these examples are what the README promises. */
function requireTool(name: string): void {
  if (Bun.which(name) === null) throw new Error(`${name} is not installed: the examples test needs curl, node, python3 and go (Debian: apt-get install -y curl python3 golang-go)`)
}

describe('send from your language', () => {
  test('the programs in examples/ are the generator\'s text (README, console and files cannot drift)', () => {
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
      const source = sendExamples({ baseUrl: front.url.origin, dataset, apiKey: PIPELINE_KEY, service: `example-${language}` })[language]
      const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'))
      const file = join(dir, EXAMPLE_FILES[language])
      await Bun.write(file, source)
      const run = Bun.spawn(RUN[language](file), { cwd: dir, stdout: 'pipe', stderr: 'pipe', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', GOCACHE: process.env.GOCACHE ?? join(process.env.HOME ?? '/root', '.cache/go-build') } })
      const killer = setTimeout(() => run.kill('SIGKILL'), 45_000)
      const [out, err, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited])
      clearTimeout(killer)
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

  test('each program compresses its body and sends an Idempotency-Key', () => {
    const examples = sendExamples(EXAMPLE_TARGET)
    for (const text of Object.values(examples)) {
      expect(text.toLowerCase()).toContain('idempotency-key')
      expect(text.toLowerCase()).toContain('content-encoding')
      expect(text).toContain('gzip')
    }
  })
})
