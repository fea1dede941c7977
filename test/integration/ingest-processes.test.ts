// INGEST_PROCESSES: several ingest processes on one port (SO_REUSEPORT), each a whole ROLE=ingest
// node with the same keys; the kernel spreads connections over them. They are started again when
// they die and go when the first one stops. Other roles refuse the setting at start.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { startTestNats, type TestNats } from '../support/nats'
import { alive, childrenOf, listensOn } from '../support/processes'
import { PROCESS_KEY, spawnSluice, type SluiceProcess } from '../support/sluice-process'
import { until } from '../support/wait'

let nats: TestNats
let sluice: SluiceProcess
let dataDir: string

beforeAll(async () => {
  nats = await startTestNats()
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-processes-'))
  sluice = spawnSluice({ dataDir, port: await freePort(), env: { ROLE: 'ingest', NATS_URL: nats.url, INGEST_PROCESSES: '2' } })
  await sluice.ready()
}, 60_000)
afterAll(async () => {
  try {
    process.kill(-sluice.pid, 'SIGKILL')
  } catch {}
  await sluice?.proc.exited
  await nats?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

test('two processes share the port: both serve requests with the same key, each answered 202', async () => {
  await until(() => childrenOf(sluice.pid).length === 1, 20_000, 'the second ingest process')
  // Ready once it listens on the shared port: the kernel then hands it connections too.
  const [second] = childrenOf(sluice.pid)
  await until(() => listensOn(second!, Number(new URL(sluice.url).port)), 20_000, 'the second ingest process to listen on the shared port')
  const statuses = new Set<number>()
  // New connections each time, so the kernel spreads them over both listeners.
  for (let round = 0; round < 10; round++) {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      fetch(`${sluice.url}/v1/shared`, { method: 'POST', body: JSON.stringify(Array.from({ length: 2000 }, (_, n) => ({ message: `r${round}-${i}-${n}` }))), headers: { 'x-api-key': PROCESS_KEY, connection: 'close' } }),
    ))
    for (const a of answers) statuses.add(a.status), await a.arrayBuffer()
  }
  expect([...statuses]).toEqual([202])
  // Each process did part of the work: scrapes over fresh connections reach both, each reporting
  // the events it accepted (a process started in the same second as the other cannot be told by
  // its start time; by its count it can, unless both took exactly half).
  const total = 10 * 20 * 2000
  const counts = new Set<number>()
  for (let i = 0; i < 60 && counts.size < 2; i++) {
    const text = await (await fetch(`${sluice.url}/metrics`, { headers: { connection: 'close' } })).text()
    counts.add(Number(/^sluice_events_accepted_total (\S+)$/m.exec(text)?.[1] ?? 0))
  }
  const seen = [...counts]
  if (seen.length === 2) expect(seen[0]! + seen[1]!).toBe(total)
  else expect(seen).toEqual([total / 2])
}, 60_000)

test('a process that dies is started again, and all go when the first one stops', async () => {
  const [other] = childrenOf(sluice.pid)
  process.kill(other!, 'SIGKILL')
  await until(() => childrenOf(sluice.pid).some((pid) => pid !== other), 20_000, 'the ingest process to be started again')
  const [again] = childrenOf(sluice.pid)
  sluice.proc.kill('SIGTERM')
  await sluice.proc.exited
  await until(() => !alive(again!), 10_000, 'the other ingest process to stop')
}, 60_000)

test('the others go when the first one is SIGKILLed, even in their first moments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-processes-crash-'))
  const first = spawnSluice({ dataDir: dir, port: await freePort(), env: { ROLE: 'ingest', NATS_URL: nats.url, INGEST_PROCESSES: '3' } })
  try {
    await first.ready()
    let others: number[] = []
    await until(() => (others = childrenOf(first.pid)).length === 2, 20_000, 'the other ingest processes')
    // At once: the others are still starting, before they could read who their parent is.
    process.kill(first.pid, 'SIGKILL')
    await until(() => others.every((pid) => !alive(pid)), 15_000, 'the other ingest processes to exit')
  } finally {
    try {
      process.kill(-first.pid, 'SIGKILL')
    } catch {}
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)

test('other roles refuse INGEST_PROCESSES at start, saying why', async () => {
  const s = spawnSluice({ dataDir: mkdtempSync(join(tmpdir(), 'sluice-processes-all-')), port: await freePort(), env: { INGEST_PROCESSES: '2' }, captureStderr: true })
  expect(await s.proc.exited).toBe(2)
  expect(await new Response(s.proc.stderr as ReadableStream).text()).toContain('INGEST_PROCESSES="2": needs ROLE=ingest')
}, 30_000)
