// sluice as a daemon: signals through npm reach it, it dies with its parent, a taken port or
// DATA_DIR is a clear start-up error, shutdown keeps to SHUTDOWN_TIMEOUT_MS, and no nats-server
// is ever left behind.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'nats'
import { natsServerVersion } from '../../src/embedded/nats-binary'
import { findNatsServer, freePort } from '../../src/embedded/nats-server'
import { startTestCluster } from '../support/nats-cluster'
import { alive, childrenOf } from '../support/processes'
import { natsPid, PROCESS_KEY, spawnSluice } from '../support/sluice-process'
import { until } from '../support/wait'

const dirs: string[] = []
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-process-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** The bun process npm started (npm -> `exec bun src/main.ts`). */
const childOf = (pid: number): number | undefined => childrenOf(pid)[0]

async function stderrOf(proc: { stderr: ReadableStream<Uint8Array> | number | undefined }): Promise<string> {
  return proc.stderr instanceof ReadableStream ? await new Response(proc.stderr).text() : ''
}

describe('npm start as a daemon', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} to the npm process stops sluice and its nats-server, leaving no process behind`, async () => {
      const dir = dataDir()
      const s = spawnSluice({ dataDir: dir, port: await freePort(), npm: true })
      try {
        await s.ready()
        const bun = childOf(s.pid)
        const nats = natsPid(dir)
        expect(bun).toBeGreaterThan(0)
        expect(nats).toBeGreaterThan(0)
        process.kill(s.pid, signal)
        await s.proc.exited
        await until(() => !alive(bun) && !alive(nats), 10_000, 'bun and nats-server to exit')
      } finally {
        s.proc.kill('SIGKILL')
      }
    }, 40_000)
  }

  test('Ctrl-C (SIGINT to the whole foreground process group) drains and stops everything with exit 0', async () => {
    const dir = dataDir()
    const s = spawnSluice({ dataDir: dir, port: await freePort(), npm: true })
    try {
      await s.ready()
      const bun = childOf(s.pid)
      const nats = natsPid(dir)
      const sent = await fetch(`${s.url}/v1/ctrlc`, { method: 'POST', body: '[{"message":"before ctrl-c"}]', headers: { 'x-api-key': PROCESS_KEY } })
      expect(sent.status).toBe(202)
      process.kill(-s.pid, 'SIGINT') // npm leads the group, as in a terminal
      expect(await s.proc.exited).toBe(0)
      await until(() => !alive(bun) && !alive(nats), 10_000, 'bun and nats-server to exit')
    } finally {
      s.proc.kill('SIGKILL')
    }
  }, 40_000)

  test('sluice stops by itself when its parent dies without passing a signal on (npm SIGKILLed)', async () => {
    const dir = dataDir()
    const s = spawnSluice({ dataDir: dir, port: await freePort(), npm: true })
    try {
      await s.ready()
      const bun = childOf(s.pid)
      const nats = natsPid(dir)
      expect(alive(bun)).toBe(true)
      s.proc.kill('SIGKILL') // npm only: sluice is re-parented
      await until(() => !alive(bun) && !alive(nats), 15_000, 'the orphaned sluice and its nats-server to exit')
    } finally {
      s.proc.kill('SIGKILL')
    }
  }, 40_000)
})

describe('start-up refusals', () => {
  test('a port another process listens on (even with SO_REUSEPORT) is a clear start-up error, and nothing is left running', async () => {
    // What an older sluice or any Bun server does: listen with SO_REUSEPORT.
    const squatter = Bun.serve({ port: 0, hostname: '0.0.0.0', reusePort: true, fetch: () => new Response('not sluice') })
    const dir = dataDir()
    try {
      const s = spawnSluice({ dataDir: dir, port: squatter.port!, captureStderr: true })
      expect(await s.proc.exited).toBe(2)
      expect(await stderrOf(s.proc)).toContain(`PORT ${squatter.port} is already in use`)
      expect(natsPid(dir)).toBeUndefined()
      // Every request still reaches the one server that had the port.
      for (let i = 0; i < 20; i++) expect(await (await fetch(`http://127.0.0.1:${squatter.port}/`)).text()).toBe('not sluice')
    } finally {
      squatter.stop(true)
    }
  }, 30_000)

  test('a second sluice on the same DATA_DIR is refused, naming the first, which keeps running', async () => {
    const dir = dataDir()
    const first = spawnSluice({ dataDir: dir, port: await freePort() })
    try {
      await first.ready()
      const nats = natsPid(dir)
      const second = spawnSluice({ dataDir: dir, port: await freePort(), captureStderr: true })
      expect(await second.proc.exited).toBe(2)
      const message = await stderrOf(second.proc)
      expect(message).toContain('is in use by another sluice')
      expect(message).toContain(`pid ${first.pid}`)
      expect(natsPid(dir)).toBe(nats!)
      const sent = await fetch(`${first.url}/v1/still`, { method: 'POST', body: '[{"message":"first still serves"}]', headers: { 'x-api-key': PROCESS_KEY } })
      expect(sent.status).toBe(202)
      first.proc.kill('SIGTERM')
      expect(await first.proc.exited).toBe(0)
      // The lock goes with the process, however it ended: the DATA_DIR is free again.
      const third = spawnSluice({ dataDir: dir, port: await freePort() })
      await third.ready()
      third.proc.kill('SIGKILL')
      await third.proc.exited
      const fourth = spawnSluice({ dataDir: dir, port: await freePort() })
      await fourth.ready()
      fourth.proc.kill('SIGTERM')
      expect(await fourth.proc.exited).toBe(0)
    } finally {
      first.proc.kill('SIGKILL')
    }
  }, 60_000)

  test('NATS_SYNC_INTERVAL on a nats-server without sync_interval (2.9) is refused with what to do', async () => {
    const [major, minor] = natsServerVersion(findNatsServer(process.env.NATS_SERVER_BIN)) ?? [0, 0]
    const dir = dataDir()
    const s = spawnSluice({ dataDir: dir, port: await freePort(), env: { NATS_SYNC_INTERVAL: 'always' }, captureStderr: true })
    const code = await s.proc.exited
    if (major > 2 || (major === 2 && minor >= 10)) {
      // 2.10 or newer: the setting is honoured instead.
      expect(code).not.toBe(2)
      return
    }
    expect(code).toBe(2)
    const message = await stderrOf(s.proc)
    expect(message).toContain('NATS_SYNC_INTERVAL is set')
    expect(message).toContain('2.10')
    expect(natsPid(dir)).toBeUndefined()
  }, 30_000)
})

describe('shutdown budget', () => {
  test('SIGTERM while start-up waits for a NATS cluster that cannot place the stream stops it at once', async () => {
    const lonely = await startTestCluster(1) // replicas 3 can never be placed on it
    try {
      // The JetStream requests sluice sends, seen from a second connection: once one came, start-up waits on the cluster.
      const spy = await connect({ servers: lonely.url })
      let asked = false
      spy.subscribe('$JS.API.>', { callback: () => void (asked = true) })
      await spy.flush()
      const s = spawnSluice({ dataDir: dataDir(), port: await freePort(), env: { NATS_URL: lonely.url, NATS_STREAM_REPLICAS: '3' }, captureStderr: true })
      await until(() => asked, 20_000, 'start-up to ask the cluster for JetStream')
      await spy.close()
      expect(s.proc.exitCode).toBeNull()
      const began = Date.now()
      s.proc.kill('SIGTERM')
      expect(await s.proc.exited).toBe(1)
      // At once: not after the start-up retries (a minute) nor the shutdown budget (30 s).
      expect(Date.now() - began).toBeLessThan(1500)
    } finally {
      await lonely.stop()
    }
  }, 30_000)

  test('SIGTERM with ClickHouse down, events held and a request stuck mid-body ends within SHUTDOWN_TIMEOUT_MS', async () => {
    const dir = dataDir()
    const budgetMs = 3000
    const s = spawnSluice({ dataDir: dir, port: await freePort(), env: { SHUTDOWN_TIMEOUT_MS: String(budgetMs), CLICKHOUSE_URL: `http://127.0.0.1:${await freePort()}` } })
    try {
      await until(() => fetch(`${s.url}/health`).then((r) => r.ok, () => false), 30_000, 'sluice to listen')
      // Events the batcher holds and cannot write (ClickHouse is down): it would retry them forever.
      const sent = await fetch(`${s.url}/v1/held`, { method: 'POST', body: JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i }))), headers: { 'x-api-key': PROCESS_KEY } })
      expect(sent.status).toBe(202)
      // A request whose body never finishes: draining would wait for it forever.
      let push!: ReadableStreamDefaultController<Uint8Array>
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) })
      push.enqueue(new TextEncoder().encode('[{"i":1},'))
      const stuck = fetch(`${s.url}/v1/stuck`, { method: 'POST', body, headers: { 'x-api-key': PROCESS_KEY } }).catch(() => undefined)
      await Bun.sleep(500)
      const nats = natsPid(dir)
      const began = Date.now()
      s.proc.kill('SIGTERM')
      await s.proc.exited
      const tookMs = Date.now() - began
      expect(tookMs).toBeLessThan(budgetMs + 1000)
      await until(() => !alive(nats), 5000, 'nats-server to exit')
      await stuck // the connection was cut: the client sees an error, not a hang
    } finally {
      s.proc.kill('SIGKILL')
    }
  }, 40_000)
})
