// Test harness: a real ClickHouse server (HTTP and native TCP on free ports, its own temporary data
// directory) from the engine the chdb package ships, in a child process of its own
// (clickhouse-server-main.ts), since the test process may hold the embedded engine already.
// What it lacks beside a production server: users other than `default` (none can be created, so no
// read-only CLICKHOUSE_QUERY_USER to test against) and Keeper, so no ON CLUSTER DDL.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, constants } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { freePort } from '../../src/embedded/nats-server'

/** Loading the 500 MB library and opening the tables; far more than it takes, far less than a test's limit. */
export const READY_TIMEOUT_MS = 60_000
/** A stopping server waits for its clients' idle keep-alive connections (about 5 s); a hung one gets SIGKILL after this. */
export const STOP_GRACE_MS = 10_000
const STDERR_TAIL_LINES = 40
const MAIN = join(import.meta.dir, 'clickhouse-server-main.ts')

export interface TestClickHouseServerOptions {
  /** XML elements to put inside the server's <clickhouse> configuration (remote_servers, macros, ...). */
  config?: string
  readyTimeoutMs?: number
  /** Ports to take (a cluster's configuration names its nodes' ports before they start); unset: free ones. */
  httpPort?: number
  tcpPort?: number
}

export interface TestClickHouseServer {
  /** The HTTP endpoint, as CLICKHOUSE_URL takes it. */
  readonly url: string
  readonly httpPort: number
  /** The native protocol's port (remote(), Distributed tables). */
  readonly tcpPort: number
  /** The server's data directory. */
  readonly path: string
  /** Pid of the running server process, undefined while stopped. */
  readonly pid: number | undefined
  /** Runs one statement over HTTP and gives its text answer; throws with the server's error. */
  query(sql: string): Promise<string>
  /** Stops the server (SIGKILL after STOP_GRACE_MS) and removes its data. */
  stop(): Promise<void>
  /** Stops it if running (waits for a killed one to go), then starts it again on the same data and ports. */
  restart(): Promise<void>
  /** SIGKILL without waiting, like a crash; restart() brings it back. */
  kill(): void
}

interface ServerProcess {
  proc: Subprocess<'ignore', 'ignore', 'pipe'>
  stderr: string[]
  /** SIGKILL sent: no longer running, though perhaps not reaped yet. */
  killed: boolean
}

const running = new Set<Subprocess>()
const directories = new Set<string>()
// None outlives the test process, whichever way its tests ended. (A SIGKILLed test process runs no
// hook: the child then dies of its parent-death signal, set up in clickhouse-server-main.ts.)
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL')
  for (const dir of directories) rmSync(dir, { recursive: true, force: true })
})

function spawnServer(path: string, httpPort: number, tcpPort: number, fifo: string, configFile: string | undefined): ServerProcess {
  const args = [MAIN, path, String(httpPort), String(tcpPort), fifo, ...(configFile ? [configFile] : [])]
  const proc = Bun.spawn([process.execPath, ...args], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' })
  running.add(proc)
  void proc.exited.then(() => running.delete(proc))
  const server: ServerProcess = { proc, stderr: [], killed: false }
  // Drained all the time (a full pipe would block the engine); the tail explains a failed start.
  void (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of proc.stderr) {
      server.stderr.push(...decoder.decode(chunk, { stream: true }).split('\n').filter((l) => l.trim() !== ''))
      server.stderr.splice(0, Math.max(0, server.stderr.length - STDERR_TAIL_LINES))
    }
  })().catch(() => {})
  return server
}

async function httpQuery(url: string, sql: string, timeoutMs = 30_000): Promise<string> {
  const response = await fetch(url, { method: 'POST', body: sql, keepalive: false, headers: { connection: 'close' }, signal: AbortSignal.timeout(timeoutMs) })
  const text = await response.text()
  if (!response.ok) throw new Error(`ClickHouse answered ${response.status}: ${text.trim()}`)
  return text
}

/**
 * Ready once the server on our port names our data directory as its own: `SELECT 1` alone would be
 * answered by another server that took the port while ours dies of "address already in use".
 */
async function waitReady(server: ServerProcess, url: string, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const own = `SELECT 1, value FROM system.server_settings WHERE name = 'path'`
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) {
      throw new Error(`ClickHouse server exited (${server.proc.signalCode ?? server.proc.exitCode}) before it answered: ${server.stderr.join('\n') || 'no output'}`)
    }
    const answer = await httpQuery(url, own, 2000).catch(() => '')
    const [one, served] = answer.trim().split('\t')
    if (one === '1' && served?.replace(/\/+$/, '') === path) return
    await Bun.sleep(50)
  }
  server.proc.kill('SIGKILL')
  await server.proc.exited
  throw new Error(`ClickHouse server did not answer within ${timeoutMs} ms: ${server.stderr.join('\n') || 'no output'}`)
}

/** Ends the query the server lives in by writing a line to its FIFO; SIGKILL when that fails or hangs. */
async function halt(server: ServerProcess, fifo: string, graceMs: number): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return
  try {
    // Non-blocking: with no reader (a server still starting) this throws instead of waiting forever.
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
    try {
      writeFileSync(fd, 'stop\n')
    } finally {
      closeSync(fd)
    }
  } catch {
    server.proc.kill('SIGKILL')
  }
  const timer = setTimeout(() => server.proc.kill('SIGKILL'), graceMs)
  await server.proc.exited
  clearTimeout(timer)
}

export async function startTestClickHouseServer(options: TestClickHouseServerOptions = {}): Promise<TestClickHouseServer> {
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS
  const dir = mkdtempSync(join(tmpdir(), 'sluice-clickhouse-'))
  directories.add(dir)
  const path = join(dir, 'data')
  const fifo = join(dir, 'stop')
  mkdirSync(path)
  if (Bun.spawnSync(['mkfifo', fifo]).exitCode !== 0) throw new Error(`mkfifo ${fifo} failed`)
  let configFile: string | undefined
  if (options.config !== undefined) {
    configFile = join(dir, 'config.xml')
    writeFileSync(configFile, `<clickhouse>\n${options.config}\n</clickhouse>\n`)
  }

  let httpPort = 0
  let tcpPort = 0
  let server: ServerProcess | undefined
  const url = () => `http://127.0.0.1:${httpPort}`
  const start = async () => {
    const next = spawnServer(path, httpPort, tcpPort, fifo, configFile)
    await waitReady(next, url(), path, readyTimeoutMs)
    server = next
  }
  // A few tries: another process may take a probed port before the server binds it.
  const given = options.httpPort !== undefined && options.tcpPort !== undefined
  for (let attempt = 1; server === undefined; attempt++) {
    httpPort = options.httpPort ?? (await freePort())
    do tcpPort = options.tcpPort ?? (await freePort())
    while (tcpPort === httpPort && !given)
    try {
      await start()
    } catch (err) {
      if (given || attempt >= 3 || !/address already in use/i.test(String(err))) {
        rmSync(dir, { recursive: true, force: true })
        directories.delete(dir)
        throw err
      }
    }
  }

  return {
    get url() {
      return url()
    },
    httpPort,
    tcpPort,
    path,
    get pid() {
      const proc = server?.proc
      return proc && !server!.killed && proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined
    },
    query: (sql) => httpQuery(url(), sql),
    async stop() {
      if (server) await halt(server, fifo, STOP_GRACE_MS)
      server = undefined
      rmSync(dir, { recursive: true, force: true })
      directories.delete(dir)
    },
    async restart() {
      if (server) await halt(server, fifo, STOP_GRACE_MS)
      server = undefined
      await start()
    },
    kill() {
      if (!server) return
      server.proc.kill('SIGKILL')
      server.killed = true
    },
  }
}
