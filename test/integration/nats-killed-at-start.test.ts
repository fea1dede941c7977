// The local nats-server SIGKILLed while sluice is still starting (before it reported ready, before
// the stream or the dataset registry exist, before the batcher subscribed): sluice starts it again
// and becomes ready, rather than exiting, and a 202 lands.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { alive, pidsMatching } from '../support/processes'
import { natsPid, PROCESS_KEY, spawnSluice, type SluiceProcess } from '../support/sluice-process'
import { until } from '../support/wait'

const dirs: string[] = []
const procs: SluiceProcess[] = []
afterAll(async () => {
  for (const s of procs) {
    try { process.kill(-s.pid, 'SIGKILL') } catch {}
    await s.proc.exited
  }
  // Each nats-server (a process group of its own) follows its sluice; its store goes after it.
  await until(() => dirs.every((d) => pidsMatching(d).every((pid) => !alive(pid))), 10_000, 'the nats-servers to exit')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

for (const delayMs of [0, 150, 400]) {
  test(`nats-server SIGKILLed ${delayMs} ms after it started: sluice becomes ready and a 202 lands`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-natskill-'))
    dirs.push(dataDir)
    const s = spawnSluice({ dataDir, port: await freePort(), captureStderr: true })
    procs.push(s)
    let pid: number | undefined
    for (let i = 0; i < 400 && pid === undefined; i++) {
      pid = natsPid(dataDir)
      if (pid === undefined) await Bun.sleep(10)
    }
    expect(pid).toBeDefined()
    await Bun.sleep(delayMs)
    process.kill(pid!, 'SIGKILL')
    const began = Date.now()
    let outcome = 'ready'
    try {
      await s.ready(20_000)
    } catch (e) {
      outcome = String(e)
    }
    let landed = 'n/a'
    if (outcome === 'ready') {
      const r = await fetch(`${s.url}/v1/startkill`, { method: 'POST', body: '[{"message":"after"}]', headers: { 'x-api-key': PROCESS_KEY } })
      await r.arrayBuffer()
      for (let i = 0; i < 50; i++) {
        const rows = await s.query('SELECT count() AS n FROM sluice.startkill').catch(() => [{ n: 0 }])
        landed = String(rows[0]!.n)
        if (landed === '1') break
        await Bun.sleep(100)
      }
      landed = `POST ${r.status}, rows ${landed}`
    }
    if (outcome !== 'ready') {
      const err = await new Response(s.proc.stderr as ReadableStream).text()
      console.log(`stderr: ${JSON.stringify(err.slice(0, 3000))}`)
    }
    console.log(`killed ${delayMs} ms into start-up: ${outcome} after ${Date.now() - began} ms; ${landed}`)
    expect(outcome).toBe('ready')
    expect(landed).toBe('POST 202, rows 1')
    process.kill(-s.pid, 'SIGTERM')
    await s.proc.exited
  }, 40_000)
}
