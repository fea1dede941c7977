// The processes a bench starts: sluice under test (`bun src/main.ts`), baseline servers and load
// generators (scripts in bench/tools/), each its own process so no measured server shares an event
// loop with its load. Every one is started in its own process group and killed on every exit path.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'

export const ROOT = join(import.meta.dir, '../..')
const TOOLS = join(ROOT, 'bench/tools')
/** The ingest key and the (separate, secret) query key of every sluice a bench starts. */
export const BENCH_KEY = 'bench-key'
export const BENCH_QUERY_KEY = 'bench-query-key'

const groups = new Set<number>()
const dirs = new Set<string>()

function killAll(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
  }
  groups.clear()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
}
process.once('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** A fresh directory, removed when the bench exits. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sluice-bench-${label}-`))
  dirs.add(dir)
  return dir
}

export { freePort }

function spawnGroup(cmd: string[], env: Record<string, string>, stdout: 'pipe' | 'ignore' = 'ignore'): Bun.Subprocess<'ignore', 'pipe' | 'ignore', 'inherit'> {
  const proc = Bun.spawn(cmd, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, detached: true, stdin: 'ignore', stdout, stderr: 'inherit' })
  groups.add(proc.pid)
  void proc.exited.then(() => groups.delete(proc.pid))
  return proc
}

/** Peak resident set (VmHWM) of a live process in MB, or NaN once it is gone. */
export function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

export interface SluiceUnderTest {
  url: string
  pid: number
  dataDir: string
  /** Resolves once GET /ready answers 200. */
  ready(timeoutMs?: number): Promise<void>
  /** Runs SQL through POST /query (ROLE=all only). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>
  peakRssMb(): number
  /** SIGTERM and wait (a CPU profile is written then); SIGKILL after the grace time. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL to sluice and everything it started (its nats-server): a machine crash. */
  crash(): Promise<void>
}

export interface SluiceOptions {
  env: Record<string, string>
  dataDir?: string
  /** Write a CPU profile (bun --cpu-prof) into this directory when the process stops. */
  profileDir?: string
}

/**
 * Starts `bun src/main.ts` as its own process with its own DATA_DIR and free PORT, and its own
 * nats-server unless NATS_URL is given: sluice's local one for ROLE=all, a bench one for a split
 * role (sluice refuses ROLE=ingest / batcher without a NATS other nodes can share).
 */
export async function startSluice(options: SluiceOptions): Promise<SluiceUnderTest> {
  const dataDir = options.dataDir ?? tempDir('sluice')
  const port = await freePort()
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${options.profileDir}`] : []
  const role = options.env.ROLE ?? 'all'
  const ownNats = role !== 'all' && options.env.NATS_URL === undefined ? await (await import('./nats')).benchNats() : undefined
  const env = { PORT: String(port), DATA_DIR: dataDir, API_KEYS: BENCH_KEY, QUERY_KEYS: BENCH_QUERY_KEY, LOG_LEVEL: 'warn', ...(ownNats ? { NATS_URL: ownNats.url } : {}), ...options.env }
  const proc = spawnGroup([process.execPath, ...profile, 'src/main.ts'], env)
  const url = `http://127.0.0.1:${port}`
  const sluice: SluiceUnderTest = {
    url,
    pid: proc.pid,
    dataDir,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`sluice exited with code ${proc.exitCode} before it was ready`)
        if (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) return
        await Bun.sleep(25)
      }
      throw new Error(`sluice was not ready within ${timeoutMs} ms`)
    },
    async query<T>(sql: string): Promise<T[]> {
      const r = await fetch(`${url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': BENCH_QUERY_KEY }, signal: AbortSignal.timeout(60_000) })
      const body = (await r.json()) as { data?: T[]; error?: string }
      if (!r.ok) throw new Error(`query answered ${r.status}: ${body.error}`)
      return body.data ?? []
    },
    peakRssMb: () => peakRssMb(proc.pid),
    async stop(graceMs = 30_000) {
      if (proc.exitCode !== null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => sluice.crash(), graceMs)
      await proc.exited
      clearTimeout(timer)
      // Its nats-server and watchdog go with it; make sure nothing of the group stays.
      try {
        process.kill(-proc.pid, 'SIGKILL')
      } catch {}
      await ownNats?.stop()
    },
    async crash() {
      try {
        process.kill(-proc.pid, 'SIGKILL')
      } catch {}
      await proc.exited
      await ownNats?.stop()
    },
  }
  return sluice
}

export interface ToolServer {
  url: string
  pid: number
  peakRssMb(): number
  stop(): Promise<void>
}

/** Starts a baseline server script from bench/tools, which prints {"port": n} once listening. */
export async function startToolServer(script: string, env: Record<string, string> = {}): Promise<ToolServer> {
  const proc = spawnGroup([process.execPath, join(TOOLS, script)], env, 'pipe')
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  const { value } = await reader.read()
  reader.releaseLock()
  const { port } = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    peakRssMb: () => peakRssMb(proc.pid),
    async stop() {
      try {
        process.kill(-proc.pid, 'SIGKILL')
      } catch {}
      await proc.exited
    },
  }
}

/** Runs a tool script to completion with `input` as its JSON argument; returns the JSON it printed last. */
export async function runTool<T>(script: string, input: unknown, env: Record<string, string> = {}): Promise<T> {
  const proc = spawnGroup([process.execPath, join(TOOLS, script), JSON.stringify(input)], env, 'pipe')
  const [out, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), proc.exited])
  if (code !== 0) throw new Error(`${script} exited with code ${code}`)
  const lines = out.trim().split('\n')
  return JSON.parse(lines[lines.length - 1]!) as T
}

/** The value of an unlabelled sample in sluice's /metrics (Prometheus text), or NaN. */
export async function scrapeMetric(sluice: SluiceUnderTest, name: string): Promise<number> {
  const text = await fetch(`${sluice.url}/metrics`).then((r) => r.text(), () => '')
  const match = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)
  return match ? Number(match[1]) : NaN
}
