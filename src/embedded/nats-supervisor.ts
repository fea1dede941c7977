// The supervised nats-server's life as a pure transition function: the phase it is in, plus what just
// happened, gives the next phase and what to do. Processes, timers and probes live in the driver
// (nats-server.ts), which reports their outcomes back as events; keeping every decision here lets a
// test walk each transition without starting a process.
//
//   running    --exited-->           backingOff   (supervised; the first delay again after a stable run)
//   running    --exited-->           down         (unsupervised: the caller restarts it)
//   running    --silent too long-->  running      + kill: the exit that follows is the restart
//   backingOff --delayElapsed-->     starting     (the next delay doubles, up to maxRestartDelayMs)
//   starting   --ready-->            running
//   starting   --startFailed-->      backingOff   (supervised) / down (a requested restart, unsupervised)
//   running, starting --restartRequested--> replacing --terminated--> starting
//   backingOff, down  --restartRequested--> starting
//   running, starting, replacing --stopRequested--> stopping --terminated--> stopped (final)
//   backingOff, down              --stopRequested--> stopped
//
// Every process and every backoff wait gets a new number (gen); an event carries the number of the
// process or wait it is about, so a late event from one that was replaced is recognised and ignored.

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
export const STABLE_AFTER_MS = 30_000

export type Phase =
  /** A process was launched and has not reported ready; cause tells whether a restart counts as one. */
  | { name: 'starting'; gen: number; cause: 'crash' | 'request' }
  | { name: 'running'; gen: number; startedAt: number; lastAnswerAt: number }
  /** Waiting before starting again after a crash or a failed start. */
  | { name: 'backingOff'; gen: number }
  /** Stopping the process for a requested restart; its exit is not a crash. */
  | { name: 'replacing'; gen: number }
  /** No process and none coming (unsupervised): a restart request brings one. */
  | { name: 'down' }
  | { name: 'stopping'; gen: number }
  | { name: 'stopped' }

export interface Machine {
  phase: Phase
  /** The last number handed to a process or a wait. */
  gen: number
  /** The pause before the next restart. */
  delayMs: number
  /** Restarts after a crash or hang (requested restarts do not count). */
  restarts: number
}

export type SupervisorEvent =
  | { type: 'ready'; gen: number; at: number; pid: number }
  | { type: 'startFailed'; gen: number; error: string }
  | { type: 'exited'; gen: number; at: number; detail: Record<string, unknown> }
  | { type: 'answered'; gen: number; at: number }
  | { type: 'silent'; gen: number; at: number; pid: number }
  | { type: 'delayElapsed'; gen: number }
  | { type: 'terminated'; gen: number }
  | { type: 'restartRequested'; graceMs: number }
  | { type: 'stopRequested'; graceMs: number }

export type Effect =
  | { do: 'launch'; gen: number }
  | { do: 'wait'; gen: number; ms: number }
  /** SIGKILL a hung process; its exit event follows. */
  | { do: 'kill'; gen: number }
  /** SIGTERM, SIGKILL after graceMs; a terminated event follows. */
  | { do: 'terminate'; gen: number; graceMs: number }
  /** Settles the callers waiting on a requested restart. */
  | { do: 'answerRestart'; error?: string }
  | { do: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields: Record<string, unknown> }

export interface Policy {
  /** undefined: unsupervised, an exit leaves the server down. */
  supervision: Supervision | undefined
  stableAfterMs: number
}

/** The machine right after the first start: that process is running, gen 0. */
export function initialMachine(at: number, policy: Policy): Machine {
  return { phase: { name: 'running', gen: 0, startedAt: at, lastAnswerAt: at }, gen: 0, delayMs: policy.supervision?.firstRestartDelayMs ?? 0, restarts: 0 }
}

export interface Step {
  machine: Machine
  effects: Effect[]
}

export function step(m: Machine, event: SupervisorEvent, policy: Policy): Step {
  const phase = m.phase
  const same = (e: SupervisorEvent) => !('gen' in e) || ('gen' in phase && phase.gen === e.gen)
  const stay: Step = { machine: m, effects: [] }
  if (!same(event)) return stay
  const s = policy.supervision
  const gen = m.gen + 1
  const backOff = (delayMs: number, log: Effect[]): Step => ({
    machine: { ...m, phase: { name: 'backingOff', gen }, gen, delayMs },
    effects: [...log, { do: 'wait', gen, ms: delayMs }],
  })
  const launch = (cause: 'crash' | 'request', delayMs = m.delayMs): Step => ({
    machine: { ...m, phase: { name: 'starting', gen, cause }, gen, delayMs },
    effects: [{ do: 'launch', gen }],
  })

  if (event.type === 'stopRequested') {
    if (phase.name === 'stopping' || phase.name === 'stopped') return stay
    if (phase.name === 'backingOff' || phase.name === 'down') return { machine: { ...m, phase: { name: 'stopped' } }, effects: [] }
    return { machine: { ...m, phase: { name: 'stopping', gen: phase.gen } }, effects: [{ do: 'terminate', gen: phase.gen, graceMs: event.graceMs }] }
  }
  if (event.type === 'restartRequested') {
    if (phase.name === 'running' || phase.name === 'starting') {
      return { machine: { ...m, phase: { name: 'replacing', gen: phase.gen } }, effects: [{ do: 'terminate', gen: phase.gen, graceMs: event.graceMs }] }
    }
    if (phase.name === 'backingOff' || phase.name === 'down') return launch('request')
    return stay
  }

  switch (phase.name) {
    case 'running':
      if (event.type === 'answered') return { machine: { ...m, phase: { ...phase, lastAnswerAt: event.at } }, effects: [] }
      if (event.type === 'silent') {
        if (s === undefined || event.at - phase.lastAnswerAt < s.hangKillMs) return stay
        return {
          machine: { ...m, phase: { ...phase, lastAnswerAt: event.at } },
          effects: [
            { do: 'log', level: 'error', msg: 'nats-server stopped answering; killing it so it restarts', fields: { pid: event.pid, silentMs: event.at - phase.lastAnswerAt } },
            { do: 'kill', gen: phase.gen },
          ],
        }
      }
      if (event.type === 'exited') {
        if (s === undefined) return { machine: { ...m, phase: { name: 'down' } }, effects: [] }
        const delayMs = event.at - phase.startedAt >= policy.stableAfterMs ? s.firstRestartDelayMs : m.delayMs
        return backOff(delayMs, [{ do: 'log', level: 'error', msg: 'nats-server died; restarting it on the same port and store', fields: { ...event.detail, restartInMs: delayMs } }])
      }
      return stay
    case 'backingOff':
      if (event.type === 'delayElapsed') return launch('crash', Math.min(m.delayMs * 2, s?.maxRestartDelayMs ?? 0))
      return stay
    case 'starting':
      if (event.type === 'ready') {
        const running: Phase = { name: 'running', gen: phase.gen, startedAt: event.at, lastAnswerAt: event.at }
        if (phase.cause === 'request') {
          return { machine: { ...m, phase: running }, effects: [{ do: 'log', level: 'info', msg: 'nats-server restarted', fields: { pid: event.pid } }, { do: 'answerRestart' }] }
        }
        const restarts = m.restarts + 1
        return { machine: { ...m, phase: running, restarts }, effects: [{ do: 'log', level: 'warn', msg: 'nats-server restarted', fields: { pid: event.pid, restarts } }] }
      }
      if (event.type === 'startFailed') {
        const answer: Effect[] = phase.cause === 'request' ? [{ do: 'answerRestart', error: event.error }] : []
        if (s === undefined) return { machine: { ...m, phase: { name: 'down' } }, effects: answer }
        return backOff(m.delayMs, [...answer, { do: 'log', level: 'error', msg: 'nats-server did not restart; trying again', fields: { err: event.error, retryInMs: m.delayMs } }])
      }
      return stay
    case 'replacing':
      if (event.type === 'terminated') return launch('request')
      return stay
    case 'stopping':
      if (event.type === 'terminated') return { machine: { ...m, phase: { name: 'stopped' } }, effects: [{ do: 'log', level: 'info', msg: 'nats-server stopped', fields: {} }] }
      return stay
    case 'down':
    case 'stopped':
      return stay
  }
}
