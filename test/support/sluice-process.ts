// sluice as its own process (`bun src/main.ts`, or `npm start`), for tests that signal, kill and
// restart it. Started detached (its own process group) so a test can SIGKILL the whole group.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'nats'
import { loadConfig } from '../../src/config'
import { streamDrained } from './nats'
import { alive, commandLine } from './processes'
import { processClickHouse } from './clickhouse-mode'

export const ROOT = join(import.meta.dir, '../..')
export const PROCESS_KEY = 'process-test-key'
/** The query key (secret) of the process; the ingest key above cannot query. */
export const PROCESS_QUERY_KEY = 'process-test-query-key'

export interface SluiceProcess {
  proc: Bun.Subprocess<'ignore', 'pipe' | 'ignore', 'pipe' | 'inherit'>
  url: string
  /** The database holding its events (server mode: one per DATA_DIR on the run's server). */
  database: string
  /** Pid of `bun src/main.ts` (under npm: npm's child). */
  readonly pid: number
  query(sql: string): Promise<Record<string, unknown>[]>
  /** Resolves once /ready answers 200 (NATS and ClickHouse reachable), or throws after timeoutMs. */
  ready(timeoutMs?: number): Promise<void>
  /**
   * Whether its stream is drained (every event it took written and acknowledged), asked of its NATS
   * (NATS_URL, or the nats-server it started) over a connection of the test's own; false while
   * NATS does not answer.
   */
  drained(): Promise<boolean>
}

export interface SpawnOptions {
  dataDir: string
  port: number
  env?: Record<string, string>
  /** Through `npm start` (npm -> bun) rather than bun directly. */
  npm?: boolean
  /** Keep stderr for the test to read (default: pass it through). */
  captureStderr?: boolean
  /** Keep stdout for the test to read (default: drop it). */
  captureStdout?: boolean
}

/** Every process spawned here: killed when the test process exits, so none outlives a failed test. */
const spawned = new Set<Bun.Subprocess>()
process.once('exit', () => {
  for (const p of spawned) {
    try {
      process.kill(-p.pid, 'SIGKILL')
    } catch {}
  }
})

export function spawnSluice(options: SpawnOptions): SluiceProcess {
  const clickhouse = processClickHouse(options.dataDir)
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    PORT: String(options.port),
    DATA_DIR: options.dataDir,
    API_KEYS: PROCESS_KEY,
    QUERY_KEYS: PROCESS_QUERY_KEY,
    LOG_LEVEL: 'warn',
    BATCH_FLUSH_INTERVAL_MS: '100',
    BATCH_ACK_WAIT_MS: '2000',
    ...(process.env.NATS_SERVER_BIN ? { NATS_SERVER_BIN: process.env.NATS_SERVER_BIN } : {}),
    ...clickhouse.env,
    ...options.env,
  }
  const cmd = options.npm ? ['npm', 'start', '--silent'] : [process.execPath, 'src/main.ts']
  const proc = Bun.spawn(cmd, { cwd: ROOT, env, detached: true, stdin: 'ignore', stdout: options.captureStdout ? 'pipe' : 'ignore', stderr: options.captureStderr ? 'pipe' : 'inherit' })
  spawned.add(proc)
  void proc.exited.then(() => spawned.delete(proc))
  const url = `http://127.0.0.1:${options.port}`
  return {
    proc,
    url,
    database: options.env?.CLICKHOUSE_DATABASE ?? clickhouse.database,
    get pid() {
      return proc.pid
    },
    async query(sql) {
      const ask = () => fetch(`${url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': PROCESS_QUERY_KEY }, signal: AbortSignal.timeout(10_000) })
      let r = await ask()
      // Busy (429): every query slot is taken; retry as Retry-After says, a little sooner.
      for (let i = 0; r.status === 429 && i < 100; i++) {
        await r.arrayBuffer()
        await Bun.sleep(100)
        r = await ask()
      }
      const body = (await r.json()) as { data?: Record<string, unknown>[]; error?: string }
      if (!r.ok) throw new Error(`query failed with ${r.status}: ${body.error}`)
      return body.data!
    },
    async drained() {
      const servers = env.NATS_URL ?? localNatsUrl(options.dataDir)
      if (servers === undefined) return false
      const nc = await connect({ servers, reconnect: false, timeout: 2000 }).catch(() => undefined)
      if (nc === undefined) return false
      try {
        return await streamDrained(nc, env.NATS_STREAM ?? loadConfig({}).nats.stream)
      } catch {
        return false
      } finally {
        await nc.close()
      }
    },
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`sluice exited with code ${proc.exitCode} before it was ready`)
        const ok = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false)
        if (ok) return
        await Bun.sleep(50)
      }
      throw new Error(`sluice was not ready within ${timeoutMs} ms`)
    },
  }
}

/** The pid of the nats-server sluice started for DATA_DIR, from the pid file it writes. */
export function natsPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'nats', 'nats-server.pid'), 'utf8').trim())
    return pid > 0 && alive(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/** The client URL of the nats-server sluice started for DATA_DIR, from its command line (-p). */
export function localNatsUrl(dataDir: string): string | undefined {
  const pid = natsPid(dataDir)
  const args = pid === undefined ? [] : commandLine(pid)
  const port = args[args.indexOf('-p') + 1]
  return args.includes('-p') && port !== undefined ? `nats://127.0.0.1:${port}` : undefined
}
