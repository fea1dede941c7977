// The surface of a live sluice process (`bun src/main.ts`, as `npm start` runs it): /metrics as
// promtool reads it, and `npm run query` finding that server, printing CSV, and tailing a dataset.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { TAIL_PAGE_ROWS } from '../../src/cli/tail'
import { PROCESS_KEY, PROCESS_QUERY_KEY, ROOT, spawnSluice, type SluiceProcess } from '../support/sluice-process'

let dataDir: string
let s: SluiceProcess
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-surface-'))
  s = spawnSluice({ dataDir, port: await freePort(), env: { BATCH_FLUSH_INTERVAL_MS: '100' } })
  await s.ready()
}, 40_000)
afterAll(async () => {
  s?.proc.kill('SIGTERM')
  await s?.proc.exited
  rmSync(dataDir, { recursive: true, force: true })
})

const send = (dataset: string, events: unknown[], headers: Record<string, string> = {}) =>
  fetch(`${s.url}/v1/${dataset}`, { method: 'POST', body: JSON.stringify(events), headers: { 'x-api-key': PROCESS_KEY, 'content-type': 'application/json', ...headers } })

async function landed(dataset: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const n = await s.query(`SELECT count() AS n FROM sluice.${dataset}`).then((r) => Number(r[0]!.n), () => 0)
    if (n >= count) return
    if (Date.now() > deadline) throw new Error(`${dataset}: ${n} of ${count} rows after 15 s`)
    await Bun.sleep(100)
  }
}

/** `npm run query -- ...args` as a person runs it: from the project, with DATA_DIR and no PORT. */
function cli(args: string[], env: Record<string, string> = {}) {
  return Bun.spawn([process.execPath, 'src/cli/query.ts', ...args], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATA_DIR: dataDir, QUERY_KEYS: PROCESS_QUERY_KEY, ...env },
  })
}

async function cliOutput(args: string[], env: Record<string, string> = {}) {
  const p = cli(args, env)
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, code }
}

describe('metrics', () => {
  test('a live /metrics passes promtool check metrics, with the standard process metrics and a latency histogram per route', async () => {
    if (Bun.which('promtool') === null) throw new Error('promtool is not installed (Debian: apt-get install -y prometheus): this test checks /metrics with it')
    await send('metrics_check', [{ message: 'one' }])
    await fetch(`${s.url}/nope`)
    await fetch(`${s.url}/v1/metrics_check`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } })
    await fetch(`${s.url}/query`, { method: 'POST', body: 'SELECT 1', headers: { 'x-api-key': PROCESS_QUERY_KEY } })
    const text = await (await fetch(`${s.url}/metrics`)).text()
    const check = Bun.spawn(['promtool', 'check', 'metrics'], { stdin: new TextEncoder().encode(text), stdout: 'pipe', stderr: 'pipe' })
    const [out, err, code] = await Promise.all([new Response(check.stdout).text(), new Response(check.stderr).text(), check.exited])
    expect({ code, problems: (out + err).trim() }).toEqual({ code: 0, problems: '' })
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds']) expect(text).toContain(`\n${name} `)
    for (const route of ['events', 'query', 'other', 'cors_preflight']) expect(text).toMatch(new RegExp(`sluice_http_request_duration_seconds_count\\{route="${route}"\\} [1-9]`))
  })
})

describe('npm run query', () => {
  test('finds the server that npm start runs on DATA_DIR without being told its PORT', async () => {
    expect(readFileSync(join(dataDir, 'sluice.url'), 'utf8').trim()).toBe(s.url)
    const { stdout, code, stderr } = await cliOutput(['--format', 'json', 'SELECT 41 + 1 AS answer'])
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 0, stderr: '1 row(s)' })
    expect(JSON.parse(stdout)).toEqual([{ answer: 42 }])
  })

  test('PORT, when set, wins (as npm start reads it), and a wrong one says how to point it', async () => {
    const { code, stderr } = await cliOutput(['SELECT 1'], { PORT: String(await freePort()) })
    expect(code).toBe(1)
    expect(stderr).toContain('cannot reach sluice')
    expect(stderr).toContain('--url')
  })

  test('--format csv prints a header and RFC 4180 fields', async () => {
    const { stdout, code } = await cliOutput(['--format', 'csv', `SELECT 1 AS n, 'a,b' AS s, 'say "hi"' AS q, map('k', 1) AS m`])
    expect(code).toBe(0)
    expect(stdout).toBe('n,s,q,m\r\n1,"a,b","say ""hi""","{""k"":1}"\n')
  })

  test('--watch prints the newest rows, then each new row once as it lands, until Ctrl-C', async () => {
    await send('tail_me', [{ message: 'before 1' }, { message: 'before 2' }])
    await landed('tail_me', 2)
    const tail = cli(['--watch', 'tail_me', '--interval-ms', '200', '--format', 'ndjson'])
    const lines: string[] = []
    const reading = (async () => {
      const decoder = new TextDecoder()
      let buffered = ''
      for await (const chunk of tail.stdout) {
        buffered += decoder.decode(chunk)
        const parts = buffered.split('\n')
        buffered = parts.pop()!
        lines.push(...parts.filter((l) => l !== ''))
      }
    })()
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 15_000
      while (lines.length < n && Date.now() < deadline) await Bun.sleep(50)
      return lines.length
    }
    expect(await waitFor(2)).toBe(2)
    // A burst larger than one poll's page, every event with the same arrival time (no timestamp):
    // the tail pages through it by (_timestamp, _id) instead of stalling on one millisecond.
    const burst = Array.from({ length: TAIL_PAGE_ROWS + 500 }, (_, i) => ({ message: `burst ${i}` }))
    expect((await send('tail_me', burst)).status).toBe(202)
    await send('tail_me', [{ message: 'late, own timestamp 2 s ago', timestamp: Date.now() - 2000 }])
    await send('tail_me', [{ message: 'after' }])
    expect(await waitFor(burst.length + 4)).toBe(burst.length + 4)
    await Bun.sleep(600) // a few more polls: nothing printed twice
    tail.kill('SIGINT')
    expect(await tail.exited).toBe(0)
    await reading
    const rows = lines.map((l) => JSON.parse(l) as { _id: string; _raw: string })
    expect(new Set(rows.map((r) => r._id)).size).toBe(rows.length)
    const messages = rows.map((r) => JSON.parse(r._raw).message as string)
    expect(messages.slice(0, 2)).toEqual(['before 1', 'before 2'])
    expect(messages).toContain('late, own timestamp 2 s ago')
    expect(messages).toContain('after')
    expect(messages.filter((m) => m.startsWith('burst ')).length).toBe(burst.length)
  }, 45_000)

  test('--watch on a dataset with no events yet waits for them', async () => {
    const tail = cli(['--watch', 'not_yet', '--interval-ms', '200'])
    await Bun.sleep(800)
    await send('not_yet', [{ message: 'first' }])
    const deadline = Date.now() + 15_000
    let out = ''
    const reader = tail.stdout.getReader()
    while (!out.includes('"first"') && Date.now() < deadline) {
      const { value, done } = await Promise.race([reader.read(), Bun.sleep(500).then(() => ({ value: undefined, done: false }))])
      if (done) break
      if (value) out += new TextDecoder().decode(value)
    }
    tail.kill('SIGINT')
    expect(await tail.exited).toBe(0)
    expect(out).toContain('{"message":"first"}')
    expect(await new Response(tail.stderr).text()).toContain('waiting for the first event of not_yet')
  }, 30_000)
})
