// The local nats-server under supervision: killed or stopped mid-load, it comes back (on the same
// port and store) without anyone's help, /ready keeps answering, and every event answered 202
// lands exactly once while nothing refused lands.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { landed, settle, startLoad, waitForProgress } from '../support/load'
import { natsPid, PROCESS_KEY, spawnSluice } from '../support/sluice-process'
import { until } from '../support/wait'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function withSluice(run: (s: ReturnType<typeof spawnSluice>, dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-supervision-'))
  dirs.push(dir)
  const s = spawnSluice({ dataDir: dir, port: await freePort() })
  try {
    await s.ready()
    await run(s, dir)
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
  } finally {
    s.proc.kill('SIGKILL')
  }
}

/** How long GET /ready takes to answer, and with what. */
async function timedReady(url: string): Promise<{ status: number; ms: number }> {
  const began = Date.now()
  const status = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)
  return { status, ms: Date.now() - began }
}

describe('local nats-server supervision', () => {
  test('SIGKILLed mid-load, it comes back by itself; every 202 lands exactly once, nothing refused lands', async () => {
    await withSluice(async (s, dir) => {
      const load = startLoad({ urls: [s.url], key: PROCESS_KEY, dataset: 'natskill' })
      await waitForProgress(load, 20)
      const before = natsPid(dir)!
      process.kill(before, 'SIGKILL')
      await until(() => (natsPid(dir) ?? before) !== before, 15_000, 'the supervisor to start a new nats-server')
      await waitForProgress(load, 20)
      expect((await timedReady(s.url)).status).toBe(200)
      const report = await load.finish(30_000)
      const final = await settle(() => landed(s.query, 'sluice', 'natskill'), report.accepted, 30_000, s.drained)
      console.log(`nats-server SIGKILL: ${report.requests} requests, ${report.accepted + report.refused} events sent, ${report.accepted} answered 202, ${final.rows} rows found, ${final.rows - final.ids} duplicates, ${report.retries} retries`)
      expect(report.unresolved).toBe(0)
      expect(report.accepted).toBeGreaterThan(0)
      expect(final).toEqual({ rows: report.accepted, ids: report.accepted, eids: report.accepted, refusedRows: 0 })
    })
  }, 90_000)

  test('SIGSTOPped mid-load: /ready still answers within 2 s; a short stop is waited out, a long one is killed and restarted; every 202 lands exactly once', async () => {
    await withSluice(async (s, dir) => {
      const load = startLoad({ urls: [s.url], key: PROCESS_KEY, dataset: 'natsstop' })
      await waitForProgress(load, 20)
      const before = natsPid(dir)!

      // A short stop (a GC pause, a slow disk), as long as /ready takes to see it: the same server
      // carries on once it runs again. /ready answers meanwhile, within its 2 s (README).
      process.kill(before, 'SIGSTOP')
      const whileStopped = await timedReady(s.url)
      expect(whileStopped.ms).toBeLessThan(2500)
      expect(whileStopped.status).toBe(503)
      process.kill(before, 'SIGCONT')
      await waitForProgress(load, 20)
      expect(natsPid(dir)).toBe(before)

      // A server that stays silent is killed and replaced.
      process.kill(before, 'SIGSTOP')
      await until(() => (natsPid(dir) ?? before) !== before, 25_000, 'the supervisor to replace the hung nats-server')
      try {
        process.kill(before, 'SIGCONT')
      } catch {} // it is gone
      await waitForProgress(load, 20)
      const report = await load.finish(30_000)
      const final = await settle(() => landed(s.query, 'sluice', 'natsstop'), report.accepted, 30_000, s.drained)
      console.log(`nats-server SIGSTOP: ${report.requests} requests, ${report.accepted + report.refused} events sent, ${report.accepted} answered 202, ${final.rows} rows found, ${final.rows - final.ids} duplicates, ${report.retries} retries`)
      expect(report.unresolved).toBe(0)
      expect(final).toEqual({ rows: report.accepted, ids: report.accepted, eids: report.accepted, refusedRows: 0 })
    })
  }, 90_000)
})
