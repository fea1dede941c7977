// An ingest node's memory stays bounded under hostile load, measured on a real sluice process
// (ROLE=ingest, `bun src/main.ts`, its own RSS) with its own nats-server, the load coming from
// this test process: 16 clients of 6 MB bodies, and bodies of 1M tiny events. Every answer is
// 202, or 503 with Retry-After; every event answered 202 is in JetStream exactly once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AckPolicy, connect, type NatsConnection } from 'nats'
import { freePort } from '../../src/embedded/nats-server'
import { startTestNats, type TestNats } from '../support/nats'

/** The bound the issue asks for, for the whole process (runtime, NATS client, requests). */
const MAX_RSS_BYTES = 600 * 1024 * 1024
const KEY = 'memory-key'
const STREAM = 'SLUICE_EVENTS'

let nats: TestNats
let dataDir: string
let node: Bun.Subprocess | undefined
let url: string
let nc: NatsConnection
/** Events per 202 answer, to check against what JetStream holds. */
const acceptedEvents: number[] = []

beforeAll(async () => {
  nats = await startTestNats()
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-memory-'))
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  node = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: join(import.meta.dir, '../..'),
    env: { ...process.env, ROLE: 'ingest', NATS_URL: nats.url, DATA_DIR: dataDir, PORT: String(port), API_KEYS: KEY, LOG_LEVEL: 'warn', CLICKHOUSE_URL: '' },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break
    await Bun.sleep(50)
  }
  nc = await connect({ servers: nats.url })
}, 30_000)

afterAll(async () => {
  node?.kill('SIGKILL')
  await nc?.close()
  await nats?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

/** Peak resident set of the node so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(kb![1]) * 1024
}

interface Tally {
  accepted: number
  unavailable: number
  other: string[]
}

/**
 * One client: sends `body` until `times` answers were 202, retrying each 503 (which must carry
 * Retry-After) after a short pause; anything else is recorded as wrong.
 */
async function client(body: Uint8Array, events: number, times: number, tally: Tally, deadline: number) {
  for (let sent = 0; sent < times && Date.now() < deadline; ) {
    let status: number
    let retryAfter: string | null = null
    try {
      const response = await fetch(`${url}/v1/memory`, { method: 'POST', body, headers: { 'x-api-key': KEY, 'content-type': 'application/json' } })
      status = response.status
      retryAfter = response.headers.get('retry-after')
      await response.arrayBuffer()
    } catch (err) {
      tally.other.push(`fetch failed: ${(err as Error).message}`)
      return
    }
    if (status === 202) {
      tally.accepted++
      acceptedEvents.push(events)
      sent++
    } else if (status === 503 && retryAfter !== null) {
      tally.unavailable++
      await Bun.sleep(50 + Math.random() * 100)
    } else {
      tally.other.push(`status ${status}`)
      return
    }
  }
}

/** What JetStream holds, from message ids `<request>:<first>-<last>`: events per request, and any event stored twice. */
async function storedRequests(): Promise<{ events: number[]; doubled: number }> {
  const jsm = await nc.jetstreamManager()
  await jsm.consumers.add(STREAM, { durable_name: 'memory-check', ack_policy: AckPolicy.Explicit, headers_only: true, max_ack_pending: -1 })
  const consumer = await nc.jetstream().consumers.get(STREAM, 'memory-check')
  const ranges = new Map<string, [number, number][]>()
  const total = (await jsm.streams.info(STREAM)).state.messages
  for (let seen = 0; seen < total; ) {
    const batch = await consumer.fetch({ max_messages: 500, expires: 2000 })
    for await (const m of batch) {
      const [base, range] = m.headers!.get('Nats-Msg-Id').split(':') as [string, string]
      const [first, last] = range.split('-').map(Number) as [number, number]
      ranges.set(base, [...(ranges.get(base) ?? []), [first, last]])
      m.ack()
      seen++
    }
  }
  let doubled = 0
  const events: number[] = []
  for (const list of ranges.values()) {
    list.sort((a, b) => a[0] - b[0])
    let next = 0
    for (const [first, last] of list) {
      if (first < next) doubled += next - first
      next = last + 1
    }
    events.push(next)
  }
  return { events: events.sort((a, b) => a - b), doubled }
}

describe('ingest memory under hostile load', () => {
  test('16 clients of 6 MB bodies, then 1M-tiny-event bodies: RSS under 600 MB, only 202 or 503 + Retry-After, every 202 stored once', async () => {
    const pid = node!.pid
    const deadline = Date.now() + 40_000
    const timings: Record<string, number> = {}

    // ~24k realistic events, just under the 6 MB limit.
    const events6 = 21_000
    const big = new TextEncoder().encode(JSON.stringify(Array.from({ length: events6 }, (_, i) => ({ i, level: 'info', message: `request handled in ${i % 997} ms `.padEnd(200, '.'), requestId: crypto.randomUUID() }))))
    expect(big.length).toBeLessThan(6 * 1024 * 1024)
    const bigTally: Tally = { accepted: 0, unavailable: 0, other: [] }
    let started = performance.now()
    await Promise.all(Array.from({ length: 16 }, () => client(big, events6, 2, bigTally, deadline)))
    timings.bigMs = performance.now() - started
    const afterBig = peakRss(pid)

    const tinyEvents = 1_000_000
    const tiny = new TextEncoder().encode(`[${'{},'.repeat(tinyEvents - 1)}{}]`)
    const tinyTally: Tally = { accepted: 0, unavailable: 0, other: [] }
    started = performance.now()
    await Promise.all(Array.from({ length: 4 }, () => client(tiny, tinyEvents, 1, tinyTally, deadline)))
    timings.tinyMs = performance.now() - started
    const afterTiny = peakRss(pid)

    console.log(`ingest memory: 16 x 6 MB: ${bigTally.accepted} x 202, ${bigTally.unavailable} x 503 in ${Math.round(timings.bigMs!)} ms, peak RSS ${Math.round(afterBig / 2 ** 20)} MB; 4 x 1M tiny: ${tinyTally.accepted} x 202, ${tinyTally.unavailable} x 503 in ${Math.round(timings.tinyMs!)} ms, peak RSS ${Math.round(afterTiny / 2 ** 20)} MB`)
    expect(node!.exitCode).toBeNull()
    expect([...bigTally.other, ...tinyTally.other]).toEqual([])
    expect(bigTally.accepted).toBe(32)
    expect(tinyTally.accepted).toBe(4)
    expect(afterTiny).toBeLessThan(MAX_RSS_BYTES)

    const stored = await storedRequests()
    expect(stored.doubled).toBe(0)
    expect(stored.events).toEqual([...acceptedEvents].sort((a, b) => a - b))
  }, 55_000)
})
