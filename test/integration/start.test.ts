// What a newcomer does: `npm start` with nothing configured, the spec's curl example, a query,
// then Ctrl-C. Runs src/main.ts as its own process, as `npm start` does.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { alive } from '../support/processes'
import { natsPid as natsPidOf } from '../support/sluice-process'
import { specExample } from '../support/spec-example'

const root = join(import.meta.dir, '../..')
const dataDir = mkdtempSync(join(tmpdir(), 'sluice-start-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('npm start on the embedded defaults', () => {
  test('generates an ingest key and a query key, serves the spec example, answers queries, and leaves no process behind on SIGINT', async () => {
    const port = await freePort()
    // Only what a newcomer has: no API_KEYS, no NATS_URL, no CLICKHOUSE_URL.
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const proc = Bun.spawn([process.execPath, 'src/main.ts'], { cwd: root, env, stdout: 'pipe', stderr: 'inherit' })
    try {
      await newcomer(proc, port, env)
    } finally {
      // A failed expectation must not leave sluice (and its nats-server) running.
      proc.kill('SIGKILL')
    }
  }, 60_000)
})

async function newcomer(proc: Bun.Subprocess<'ignore', 'pipe', 'inherit'>, port: number, env: Record<string, string>) {
  const url = `http://127.0.0.1:${port}`
  let up = false
  for (let i = 0; i < 300 && !up; i++) {
    up = await fetch(`${url}/health`).then((r) => r.ok, () => false)
    if (!up) await Bun.sleep(50)
  }
  expect(up).toBe(true)

  const key = readFileSync(join(dataDir, 'api-key'), 'utf8').trim()
  const sent = await fetch(`${url}/v1/logs`, { method: 'POST', body: specExample, headers: { 'x-api-key': key, 'content-type': 'application/json', 'x-service': 'my-service' } })
  expect(sent.status).toBe(202)
  expect(await sent.json()).toEqual({ message: 'Request Accepted' })

  // `npm run query` against the running server, reading the same generated key.
  let printed = ''
  for (let i = 0; i < 40 && !printed.includes('"n": 2'); i++) {
    const cli = Bun.spawn([process.execPath, 'src/cli/query.ts', '--url', url, '--json', 'SELECT count() AS n FROM sluice.logs'], { cwd: root, env, stdout: 'pipe', stderr: 'pipe' })
    printed = await new Response(cli.stdout).text()
    await cli.exited
    if (!printed.includes('"n": 2')) await Bun.sleep(100)
  }
  expect(printed).toContain('"n": 2')

  // The nats-server sluice started for itself (NATS_URL unset), found by the pid file in its store.
  const natsPid = natsPidOf(dataDir)
  expect(natsPid).toBeGreaterThan(0)

  proc.kill('SIGINT')
  expect(await proc.exited).toBe(0)
  const banner = await new Response(proc.stdout).text()
  expect(banner).toContain(key)
  expect(banner).toContain(`curl -X POST 'http://localhost:${port}/v1/logs'`)
  // Both generated keys, each marked for what it is; the query line uses the secret one.
  const queryKey = readFileSync(join(dataDir, 'query-key'), 'utf8').trim()
  expect(queryKey).not.toBe(key)
  expect(banner).toContain(`Ingest key, PUBLIC`)
  expect(banner).toContain(`Query key, SECRET (generated, kept in ${dataDir}/query-key; set QUERY_KEYS to use your own): ${queryKey}`)
  expect(banner).toContain(`/query' -H 'x-api-key: ${queryKey}'`)
  expect(alive(natsPid)).toBe(false)
}
