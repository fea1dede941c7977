// Runs the local nats-server (NATS_URL unset) and keeps it running: a server that exits is started
// again on the same port and store, one that stops answering is killed and started again, with
// backoff, each step logged. Clients reconnect to the same URL by themselves.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Logger } from '../log'
import { assertSyncIntervalSupported, findNatsServer } from './nats-binary'
import { natsAnswers, spawnNatsProcess, stopLeftoverServer, waitReady, type NatsProcess } from './nats-process'

export { aptInstaller, defaultSearchDirs, findNatsServer, NatsServerMissingError, NatsServerUnsupportedError, type NatsInstaller } from './nats-binary'

/** How long a fresh nats-server may take to accept connections (JetStream recovers its store first). */
export const READY_TIMEOUT_MS = 20_000
/** SIGTERM lets nats-server flush its store; after this long it gets SIGKILL. */
export const STOP_GRACE_MS = 10_000

export interface Supervision {
  /** How often the server is asked whether it still answers. */
  probeIntervalMs: number
  /** One probe's wait for the server's greeting. */
  probeTimeoutMs: number
  /** Silent this long (SIGSTOPped, wedged): SIGKILL, and the restart follows. */
  hangKillMs: number
  /** First pause before a restart; doubles while restarts keep failing or crashing, up to maxRestartDelayMs. */
  firstRestartDelayMs: number
  maxRestartDelayMs: number
}

export const DEFAULT_SUPERVISION: Supervision = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 1000,
  // Long next to any pause a healthy server takes (a store recovery happens before it is ready),
  // short next to how long clients can wait: their publishes fail after 5 s and they retry.
  hangKillMs: 10_000,
  firstRestartDelayMs: 200,
  maxRestartDelayMs: 5000,
}
/** A server that stayed up this long is healthy again: the next restart starts from the first delay. */
const STABLE_AFTER_MS = 30_000

/** A port nobody listens on right now: bind port 0, read it, close. (Racy, so start retries.) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port bound'))))
    })
  })
}

export interface StartOptions {
  /** The binary; default findNatsServer(). */
  bin?: string
  /** JetStream store directory (created when missing). */
  storeDir: string
  /** 0 or unset: pick a free port. */
  port?: number
  logger: Logger
  readyTimeoutMs?: number
  /** JetStream sync_interval ('always' or a duration); needs nats-server 2.10+, refused otherwise. */
  syncInterval?: string
  /** More arguments, e.g. a cluster node's -n, --cluster_name, --cluster, --routes. */
  extraArgs?: string[]
  /** Restart the server when it dies or hangs (default). false: tests that kill and restart it themselves. */
  supervise?: boolean | Partial<Supervision>
}

export interface NatsServerHandle {
  readonly url: string
  readonly port: number
  readonly storeDir: string
  /** Pid of the running server, undefined while stopped. */
  readonly pid: number | undefined
  /** Times the supervisor started it again after a crash or hang. */
  readonly restarts: number
  /** SIGTERM, wait for exit (SIGKILL after graceMs, default STOP_GRACE_MS). Ends supervision. Safe to call twice. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL without waiting: a crash, for failure tests (a supervised server comes back by itself). */
  kill(): void
  /** Stops if running, then starts again on the same port and store dir (clients reconnect to the same URL). */
  restart(): Promise<void>
}

/** Starts `nats-server -js -sd <storeDir> -a 127.0.0.1 -p <port>`, resolves once it reports ready, and supervises it. */
export async function startNatsServer(options: StartOptions): Promise<NatsServerHandle> {
  const { storeDir, logger } = options
  const bin = findNatsServer(options.bin, { logger })
  // Refuse before anything runs: a durability setting the server cannot honour must not be ignored.
  if (options.syncInterval !== undefined) assertSyncIntervalSupported(bin)
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS
  const supervision = options.supervise === false ? undefined : { ...DEFAULT_SUPERVISION, ...(options.supervise === true ? {} : options.supervise) }
  mkdirSync(storeDir, { recursive: true })
  const configArgs: string[] = []
  if (options.syncInterval !== undefined) {
    const file = join(storeDir, 'sluice-nats.conf')
    writeFileSync(file, `jetstream { sync_interval: ${JSON.stringify(options.syncInterval)} }\n`)
    configArgs.push('-c', file)
  }
  const pidFile = join(storeDir, 'nats-server.pid')
  const argsFor = (port: number) => [...configArgs, '-js', '-sd', storeDir, '-P', pidFile, '-a', '127.0.0.1', '-p', String(port), ...(options.extraArgs ?? [])]

  let stopping = false
  /** A process between spawn and ready, so stop() can end it too. */
  let starting: NatsProcess | undefined
  const launch = async (port: number): Promise<NatsProcess> => {
    await stopLeftoverServer(pidFile, storeDir, logger)
    const running = spawnNatsProcess(bin, argsFor(port), logger)
    starting = running
    try {
      await waitReady(running, port, readyTimeoutMs)
      return running
    } catch (err) {
      running.proc.kill('SIGKILL')
      await running.proc.exited
      throw err
    } finally {
      starting = undefined
    }
  }

  let port = options.port ?? 0
  let current: NatsProcess | undefined
  // A few tries: another process may grab the free port between our probe and nats-server's bind,
  // and a server killed before it was ready (by an operator, the OOM killer) is worth starting again.
  for (let attempt = 1; current === undefined; attempt++) {
    const probed = options.port === undefined || options.port === 0
    if (probed) port = await freePort()
    try {
      current = await launch(port)
    } catch (err) {
      const message = (err as Error).message
      const retryable = (probed && /address already in use/i.test(message)) || /was killed by/.test(message)
      if (attempt >= 3 || !retryable) throw err
      logger.warn({ attempt, err: message.split('\n')[0] }, 'nats-server did not start; trying again')
    }
  }
  logger.info({ port, storeDir, pid: current.proc.pid }, 'nats-server started')

  let restarts = 0
  let startedAt = Date.now()
  let lastAnswerAt = Date.now()
  let restartDelayMs = supervision?.firstRestartDelayMs ?? 0

  const adopt = (p: NatsProcess) => {
    current = p
    startedAt = lastAnswerAt = Date.now()
    if (supervision) void p.proc.exited.then(() => onExit(p))
  }

  const onExit = (p: NatsProcess) => {
    if (stopping || current !== p || !supervision) return
    current = undefined
    const lastOutput = p.stderr.slice(-5).join('\n')
    if (Date.now() - startedAt >= STABLE_AFTER_MS) restartDelayMs = supervision.firstRestartDelayMs
    logger.error({ pid: p.proc.pid, exitCode: p.proc.exitCode, signal: p.proc.signalCode, lastOutput, restartInMs: restartDelayMs }, 'nats-server died; restarting it on the same port and store')
    void relaunch(supervision)
  }

  const relaunch = async (s: Supervision) => {
    while (!stopping) {
      await Bun.sleep(restartDelayMs)
      restartDelayMs = Math.min(restartDelayMs * 2, s.maxRestartDelayMs)
      if (stopping) return
      try {
        const p = await launch(port)
        if (stopping) {
          p.proc.kill('SIGTERM')
          return
        }
        restarts++
        adopt(p)
        logger.warn({ port, pid: p.proc.pid, restarts }, 'nats-server restarted')
        return
      } catch (err) {
        logger.error({ port, err: (err as Error).message, retryInMs: restartDelayMs }, 'nats-server did not restart; trying again')
      }
    }
  }

  let probing = false
  const probe = async (s: Supervision) => {
    const p = current
    if (p === undefined || probing || stopping) return
    probing = true
    try {
      if (await natsAnswers(port, s.probeTimeoutMs)) lastAnswerAt = Date.now()
      else if (current === p && !stopping && Date.now() - lastAnswerAt >= s.hangKillMs) {
        logger.error({ pid: p.proc.pid, silentMs: Date.now() - lastAnswerAt }, 'nats-server stopped answering; killing it so it restarts')
        lastAnswerAt = Date.now()
        p.proc.kill('SIGKILL')
      }
    } finally {
      probing = false
    }
  }
  const prober = supervision ? setInterval(() => void probe(supervision), supervision.probeIntervalMs) : undefined
  prober?.unref()
  adopt(current)

  const terminate = async (p: NatsProcess, graceMs: number) => {
    p.proc.kill('SIGTERM')
    p.proc.kill('SIGCONT') // a SIGSTOPped server acts on SIGTERM only once it runs again
    const timer = setTimeout(() => p.proc.kill('SIGKILL'), graceMs)
    await p.proc.exited
    clearTimeout(timer)
    p.watchdog.kill('SIGKILL')
    await p.watchdog.exited
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return current?.proc.pid
    },
    get restarts() {
      return restarts
    },
    async stop(graceMs = STOP_GRACE_MS) {
      stopping = true
      clearInterval(prober)
      const p = current ?? starting
      current = undefined
      if (p === undefined) return
      await terminate(p, graceMs)
      logger.info({ port }, 'nats-server stopped')
    },
    kill() {
      current?.proc.kill('SIGKILL')
      current?.watchdog.kill('SIGKILL')
    },
    async restart() {
      const p = current
      current = undefined // its exit is ours, not a crash to recover from
      if (p !== undefined) await terminate(p, STOP_GRACE_MS)
      const next = await launch(port)
      adopt(next)
      logger.info({ port, pid: next.proc.pid }, 'nats-server restarted')
    },
  }
}
