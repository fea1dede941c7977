// Runs the local nats-server (NATS_URL unset) and keeps it running: a server that exits is started
// again on the same port and store, one that stops answering is killed and started again, with
// backoff, each step logged. Clients reconnect to the same URL by themselves. What to do when is
// decided by the state machine in nats-supervisor.ts; this file starts the first server and drives
// that machine with real processes, timers and probes.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Logger } from '../log'
import { assertSyncIntervalSupported, findNatsServer } from './nats-binary'
import { natsAnswers, spawnNatsProcess, stopLeftoverServer, waitReady, type NatsProcess } from './nats-process'
import { DEFAULT_SUPERVISION, initialMachine, STABLE_AFTER_MS, step, type Effect, type Machine, type Policy, type Supervision, type SupervisorEvent } from './nats-supervisor'

export { defaultSearchDirs, findNatsServer, NatsServerMissingError, NatsServerUnsupportedError } from './nats-binary'
export { DEFAULT_SUPERVISION, type Supervision } from './nats-supervisor'

/** How long a fresh nats-server may take to accept connections (JetStream recovers its store first). */
export const READY_TIMEOUT_MS = 20_000
/** SIGTERM lets nats-server flush its store; after this long it gets SIGKILL. */
export const STOP_GRACE_MS = 10_000

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
  const bin = findNatsServer(options.bin)
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
  const runner: Runner = {
    clearStore: () => stopLeftoverServer(pidFile, storeDir, logger),
    spawn: (port) => spawnNatsProcess(bin, [...configArgs, '-js', '-sd', storeDir, '-P', pidFile, '-a', '127.0.0.1', '-p', String(port), ...(options.extraArgs ?? [])], logger),
    async waitReady(p, port) {
      try {
        await waitReady(p, port, readyTimeoutMs)
      } catch (err) {
        p.proc.kill('SIGKILL')
        await p.proc.exited
        throw err
      }
    },
  }

  let port = options.port ?? 0
  let first: NatsProcess | undefined
  // A few tries: another process may grab the free port between our probe and nats-server's bind,
  // and a server killed before it was ready (by an operator, the OOM killer) is worth starting again.
  // Nothing is supervised before this first start succeeds: its failure is the caller's error.
  for (let attempt = 1; first === undefined; attempt++) {
    const probed = options.port === undefined || options.port === 0
    if (probed) port = await freePort()
    try {
      await runner.clearStore()
      const p = runner.spawn(port)
      await runner.waitReady(p, port)
      first = p
    } catch (err) {
      const message = (err as Error).message
      const retryable = (probed && /address already in use/i.test(message)) || /was killed by/.test(message)
      if (attempt >= 3 || !retryable) throw err
      logger.warn({ attempt, err: message.split('\n')[0] }, 'nats-server did not start; trying again')
    }
  }
  logger.info({ port, storeDir, pid: first.proc.pid }, 'nats-server started')
  return new SupervisedServer(port, storeDir, first, runner, logger, { supervision, stableAfterMs: STABLE_AFTER_MS })
}

interface Runner {
  /** Stops a server an earlier sluice left on the store: done before every spawn. */
  clearStore(): Promise<void>
  spawn(port: number): NatsProcess
  /** Resolves once the server is ready; kills it and throws with its last output when it is not. */
  waitReady(p: NatsProcess, port: number): Promise<void>
}

/**
 * The driver of the machine in nats-supervisor.ts: it owns the process, the probe and the timers,
 * carries out each effect the machine asks for and reports outcomes back as events. Outcomes always
 * arrive asynchronously, so one step's effects are all carried out before the next step runs.
 */
class SupervisedServer implements NatsServerHandle {
  readonly url: string
  private machine: Machine
  /** The newest process and its gen; it may have exited, which the machine knows from the phase. */
  private current: { gen: number; p: NatsProcess }
  private probing = false
  private readonly prober: ReturnType<typeof setInterval> | undefined
  private restartWaiters: { resolve: () => void; reject: (err: Error) => void }[] = []
  private readonly stopped: Promise<void>
  private markStopped = () => {}

  constructor(
    readonly port: number,
    readonly storeDir: string,
    first: NatsProcess,
    private readonly runner: Runner,
    private readonly logger: Logger,
    private readonly policy: Policy,
  ) {
    this.url = `nats://127.0.0.1:${port}`
    this.machine = initialMachine(Date.now(), policy)
    this.current = { gen: 0, p: first }
    this.watchExit(0, first)
    this.stopped = new Promise((resolve) => (this.markStopped = resolve))
    const s = policy.supervision
    this.prober = s ? setInterval(() => void this.probe(s), s.probeIntervalMs) : undefined
    this.prober?.unref()
  }

  get pid(): number | undefined {
    return this.running()?.proc.pid
  }

  get restarts(): number {
    return this.machine.restarts
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    clearInterval(this.prober)
    this.dispatch({ type: 'stopRequested', graceMs })
    await this.stopped
  }

  kill(): void {
    const p = this.running()
    p?.proc.kill('SIGKILL')
    p?.watchdog.kill('SIGKILL')
  }

  restart(): Promise<void> {
    if (this.machine.phase.name === 'stopped') return Promise.reject(new Error('nats-server was stopped; a stopped handle is not started again'))
    const answered = new Promise<void>((resolve, reject) => this.restartWaiters.push({ resolve, reject }))
    this.dispatch({ type: 'restartRequested', graceMs: STOP_GRACE_MS })
    return answered
  }

  private running(): NatsProcess | undefined {
    const phase = this.machine.phase
    return phase.name === 'running' && this.current.gen === phase.gen ? this.current.p : undefined
  }

  private dispatch(event: SupervisorEvent): void {
    const { machine, effects } = step(this.machine, event, this.policy)
    this.machine = machine
    for (const effect of effects) this.perform(effect)
    if (machine.phase.name === 'stopped') {
      this.markStopped()
      this.answerRestart() // a stop overrides a restart still under way
    }
  }

  private perform(effect: Effect): void {
    switch (effect.do) {
      case 'log':
        this.logger[effect.level]({ port: this.port, ...effect.fields }, effect.msg)
        return
      case 'launch':
        void this.launch(effect.gen).then((event) => event && this.dispatch(event))
        return
      case 'wait':
        setTimeout(() => this.dispatch({ type: 'delayElapsed', gen: effect.gen }), effect.ms)
        return
      case 'kill':
        if (this.current.gen === effect.gen) this.current.p.proc.kill('SIGKILL')
        return
      case 'terminate':
        void this.terminate(effect.gen, effect.graceMs).then(() => this.dispatch({ type: 'terminated', gen: effect.gen }))
        return
      case 'answerRestart':
        this.answerRestart(effect.error)
        return
    }
  }

  private answerRestart(error?: string): void {
    for (const waiter of this.restartWaiters.splice(0)) error === undefined ? waiter.resolve() : waiter.reject(new Error(error))
  }

  /** The outcome of starting process `gen`; undefined when the machine no longer wants it before it was spawned. */
  private async launch(gen: number): Promise<SupervisorEvent | undefined> {
    try {
      await this.runner.clearStore()
      const phase = this.machine.phase
      if (phase.name !== 'starting' || phase.gen !== gen) return undefined
      const p = this.runner.spawn(this.port)
      this.current = { gen, p }
      await this.runner.waitReady(p, this.port)
      this.watchExit(gen, p)
      return { type: 'ready', gen, at: Date.now(), pid: p.proc.pid }
    } catch (err) {
      return { type: 'startFailed', gen, error: (err as Error).message }
    }
  }

  /** Watched only once ready: before that, waitReady reports a death as a failed start. */
  private watchExit(gen: number, p: NatsProcess): void {
    void p.proc.exited.then(() => {
      const detail = { pid: p.proc.pid, exitCode: p.proc.exitCode, signal: p.proc.signalCode, lastOutput: p.stderr.slice(-5).join('\n') }
      this.dispatch({ type: 'exited', gen, at: Date.now(), detail })
    })
  }

  private async terminate(gen: number, graceMs: number): Promise<void> {
    if (this.current.gen !== gen) return // stopped before it was spawned
    const { p } = this.current
    p.proc.kill('SIGTERM')
    p.proc.kill('SIGCONT') // a SIGSTOPped server acts on SIGTERM only once it runs again
    const timer = setTimeout(() => p.proc.kill('SIGKILL'), graceMs)
    await p.proc.exited
    clearTimeout(timer)
    p.watchdog.kill('SIGKILL')
    await p.watchdog.exited
  }

  private async probe(s: Supervision): Promise<void> {
    const p = this.running()
    if (p === undefined || this.probing) return
    const gen = this.current.gen
    this.probing = true
    try {
      const answered = await natsAnswers(this.port, s.probeTimeoutMs)
      this.dispatch(answered ? { type: 'answered', gen, at: Date.now() } : { type: 'silent', gen, at: Date.now(), pid: p.proc.pid })
    } finally {
      this.probing = false
    }
  }
}
