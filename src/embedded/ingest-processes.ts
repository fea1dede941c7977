// The extra ingest processes of INGEST_PROCESSES: Bun runs JavaScript on one core per process, and
// an ingest node is CPU-bound (bench/both-cores.bench.ts: two processes on one NATS carry 1.6x the
// bytes of one). Each is a whole `ROLE=ingest` sluice on the same PORT (SO_REUSEPORT: the kernel
// spreads connections), with its own DATA_DIR below ours and the same keys. They exit when this
// process dies (main.ts watches its parent), are started again when they die, and are stopped with it.
import { childEnv } from '../config'
import type { Subprocess } from 'bun'
import { join } from 'node:path'
import type { Logger } from '../log'

/** Wait before starting a process that died again, doubling up to the cap. */
const RESTART_FIRST_MS = 500
const RESTART_MAX_MS = 10_000
const MAIN = join(import.meta.dir, '..', 'main.ts')

export interface IngestProcesses {
  pids(): number[]
  /** SIGTERM to each, then SIGKILL to those still there at the deadline (epoch ms). */
  stop(deadline: number): Promise<void>
}

export interface IngestProcessesOptions {
  /** How many to start besides this one. */
  count: number
  dataDir: string
  /** Environment beyond ours: keys this process generated, so that all take the same ones. */
  env: Record<string, string>
  logger: Logger
}

export function startIngestProcesses(options: IngestProcessesOptions): IngestProcesses {
  const { logger } = options
  const running: (Subprocess | undefined)[] = []
  let stopping = false

  const start = (k: number, delayMs: number) => {
    const proc = Bun.spawn([process.execPath, MAIN], {
      env: { ...process.env, ...options.env, INGEST_PROCESSES: '1', ...childEnv(process.pid), DATA_DIR: join(options.dataDir, 'ingest-processes', String(k)) },
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'inherit',
    })
    running[k] = proc
    logger.info({ process: k + 1, pid: proc.pid }, 'started an ingest process on the shared port')
    void proc.exited.then((code) => {
      if (stopping) return
      const next = Math.min(RESTART_MAX_MS, Math.max(RESTART_FIRST_MS, delayMs * 2))
      logger.error({ process: k + 1, pid: proc.pid, code, restartInMs: next }, 'an ingest process exited; starting it again')
      setTimeout(() => stopping || start(k, next), next).unref()
    })
  }
  for (let k = 0; k < options.count; k++) start(k, 0)

  return {
    pids: () => running.flatMap((p) => (p !== undefined && p.exitCode === null ? [p.pid] : [])),
    async stop(deadline) {
      stopping = true
      const alive = running.filter((p): p is Subprocess => p !== undefined && p.exitCode === null)
      for (const p of alive) p.kill('SIGTERM')
      const late = setTimeout(() => alive.forEach((p) => p.exitCode === null && p.kill('SIGKILL')), Math.max(0, deadline - Date.now()))
      await Promise.all(alive.map((p) => p.exited))
      clearTimeout(late)
    },
  }
}
