// Each role says only what it does: the start-up banner, the first-request help and /ready name the
// services a node uses and the requests it serves, and nothing it does not.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { startTestNats, type TestNats } from '../support/nats'
import { spawnSluice, type SluiceProcess } from '../support/sluice-process'

const dirs: string[] = []
let nats: TestNats
beforeAll(async () => {
  nats = await startTestNats()
})
afterAll(async () => {
  await nats?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A sluice of this ROLE with generated keys, its standard output kept. */
async function startRole(role: 'ingest' | 'batcher'): Promise<{ s: SluiceProcess; stdout: () => Promise<string> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `sluice-role-${role}-`))
  dirs.push(dataDir)
  const s = spawnSluice({ dataDir, port: await freePort(), captureStdout: true, env: { ROLE: role, NATS_URL: nats.url, API_KEYS: '', QUERY_KEYS: '', LOG_LEVEL: 'info', LOG_FORMAT: 'json' } })
  await s.ready()
  const stdout = async () => {
    s.proc.kill('SIGTERM')
    await s.proc.exited
    return new Response(s.proc.stdout as ReadableStream).text()
  }
  return { s, stdout }
}

const banner = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'sluice is running')

describe('what each role says it does', () => {
  test('ROLE=ingest without CLICKHOUSE_URL: /ready and the banner name no ClickHouse, and the help shows sending only', async () => {
    const { s, stdout } = await startRole('ingest')
    const ready = await fetch(`${s.url}/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', nats: true })
    expect((await fetch(`${s.url}/query`, { method: 'POST', body: 'SELECT 1' })).status).not.toBe(200)
    const out = await stdout()
    expect(banner(out)).toMatchObject({ role: 'ingest', console: 'off' })
    expect(banner(out)).not.toHaveProperty('clickhouse')
    expect(out).toContain('Send events:')
    expect(out).not.toContain('Query them:')
    expect(out).not.toContain('Look at them in the console')
  }, 60_000)

  test('ROLE=batcher: /ready names NATS and ClickHouse, and the help shows querying, never a send that would get 503', async () => {
    const { s, stdout } = await startRole('batcher')
    expect(await (await fetch(`${s.url}/ready`)).json()).toEqual({ status: 'ready', nats: true, clickhouse: true })
    const out = await stdout()
    expect(banner(out)).toMatchObject({ role: 'batcher', clickhouse: 'embedded chDB' })
    expect(out).not.toContain('Send events:')
    expect(out).toContain('Query them:')
  }, 60_000)
})
