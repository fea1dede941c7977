// The supervisor's decisions, without a process: each transition of the machine in
// nats-supervisor.ts, the backoff and hang rules, and events from a replaced process being ignored.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { initialMachine, step, type Effect, type Machine, type Policy, type SupervisorEvent } from '../../src/embedded/nats-supervisor'

const supervised: Policy = {
  supervision: { probeIntervalMs: 100, probeTimeoutMs: 100, hangKillMs: 1000, firstRestartDelayMs: 50, maxRestartDelayMs: 300 },
  stableAfterMs: 30_000,
}
const unsupervised: Policy = { supervision: undefined, stableAfterMs: 30_000 }

/** Feeds events in order; returns the final machine and every effect asked for on the way. */
const run = (policy: Policy, events: SupervisorEvent[], from: Machine = initialMachine(0, policy)) => {
  let machine = from
  const effects: Effect[] = []
  for (const event of events) {
    const next = step(machine, event, policy)
    machine = next.machine
    effects.push(...next.effects)
  }
  return { machine, effects }
}
const actions = (effects: Effect[]) => effects.filter((e) => e.do !== 'log')
const logs = (effects: Effect[]) => effects.flatMap((e) => (e.do === 'log' ? [e.msg] : []))
const exited = (gen: number, at = 10): SupervisorEvent => ({ type: 'exited', gen, at, detail: { exitCode: 1 } })

describe('supervised: crash, backoff, restart', () => {
  test('an exit backs off for the first delay, then starts again; the restart counts once it is ready', () => {
    const died = run(supervised, [exited(0)])
    expect(died.machine.phase).toEqual({ name: 'backingOff', gen: 1 })
    expect(actions(died.effects)).toEqual([{ do: 'wait', gen: 1, ms: 50 }])
    expect(logs(died.effects)).toEqual(['nats-server died; restarting it on the same port and store'])

    const back = run(supervised, [{ type: 'delayElapsed', gen: 1 }, { type: 'ready', gen: 2, at: 100, pid: 42 }], died.machine)
    expect(actions(back.effects)).toEqual([{ do: 'launch', gen: 2 }])
    expect(back.machine.phase).toEqual({ name: 'running', gen: 2, startedAt: 100, lastAnswerAt: 100 })
    expect(back.machine.restarts).toBe(1)
  })

  test('the delay doubles while starts keep failing, up to the maximum', () => {
    const events: SupervisorEvent[] = [exited(0)]
    for (let gen = 1; gen <= 9; gen += 2) events.push({ type: 'delayElapsed', gen }, { type: 'startFailed', gen: gen + 1, error: 'exited with code 1' })
    const waits = run(supervised, events).effects.flatMap((e) => (e.do === 'wait' ? [e.ms] : []))
    expect(waits).toEqual([50, 100, 200, 300, 300, 300])
  })

  test('a server that crashes soon after a restart waits longer; one that ran stably starts from the first delay again', () => {
    const restarted = run(supervised, [exited(0), { type: 'delayElapsed', gen: 1 }, { type: 'ready', gen: 2, at: 100, pid: 1 }])
    const soon = run(supervised, [exited(2, 1_000)], restarted.machine)
    expect(actions(soon.effects)).toEqual([{ do: 'wait', gen: 3, ms: 100 }])
    const later = run(supervised, [exited(2, 100 + 30_000)], restarted.machine)
    expect(actions(later.effects)).toEqual([{ do: 'wait', gen: 3, ms: 50 }])
  })

  test('a failed restart is logged and retried', () => {
    const { machine, effects } = run(supervised, [exited(0), { type: 'delayElapsed', gen: 1 }, { type: 'startFailed', gen: 2, error: 'address already in use' }])
    expect(machine.phase).toEqual({ name: 'backingOff', gen: 3 })
    expect(logs(effects)).toContain('nats-server did not restart; trying again')
    expect(machine.restarts).toBe(0)
  })
})

describe('supervised: hang detection', () => {
  test('silence shorter than hangKillMs is waited out; an answer resets the clock', () => {
    const { machine, effects } = run(supervised, [
      { type: 'silent', gen: 0, at: 900, pid: 7 },
      { type: 'answered', gen: 0, at: 950 },
      { type: 'silent', gen: 0, at: 1900, pid: 7 },
    ])
    expect(effects).toEqual([])
    expect(machine.phase).toMatchObject({ name: 'running', lastAnswerAt: 950 })
  })

  test('silence of hangKillMs kills the process once; the exit that follows is the restart', () => {
    const hung = run(supervised, [{ type: 'silent', gen: 0, at: 1000, pid: 7 }, { type: 'silent', gen: 0, at: 1100, pid: 7 }])
    expect(actions(hung.effects)).toEqual([{ do: 'kill', gen: 0 }])
    expect(logs(hung.effects)).toEqual(['nats-server stopped answering; killing it so it restarts'])
    expect(hung.machine.phase.name).toBe('running')
    expect(run(supervised, [exited(0, 1200)], hung.machine).machine.phase.name).toBe('backingOff')
  })
})

describe('requested restarts', () => {
  test('running: the process is terminated (its exit is not a crash), then started again; the caller is answered', () => {
    const { machine, effects } = run(unsupervised, [
      { type: 'restartRequested', graceMs: 10_000 },
      exited(0),
      { type: 'terminated', gen: 0 },
      { type: 'ready', gen: 1, at: 50, pid: 9 },
    ])
    expect(actions(effects)).toEqual([{ do: 'terminate', gen: 0, graceMs: 10_000 }, { do: 'launch', gen: 1 }, { do: 'answerRestart' }])
    expect(machine.phase).toMatchObject({ name: 'running', gen: 1 })
    expect(machine.restarts).toBe(0)
  })

  test('unsupervised: an exit leaves it down, and a restart request brings it back', () => {
    const down = run(unsupervised, [exited(0)])
    expect(down.machine.phase).toEqual({ name: 'down' })
    expect(down.effects).toEqual([])
    expect(actions(run(unsupervised, [{ type: 'restartRequested', graceMs: 1 }], down.machine).effects)).toEqual([{ do: 'launch', gen: 1 }])
  })

  test('a requested restart that fails answers the caller with the error: down when unsupervised, retried when supervised', () => {
    const events: SupervisorEvent[] = [exited(0), { type: 'restartRequested', graceMs: 1 }, { type: 'startFailed', gen: 1, error: 'boom' }]
    const alone = run(unsupervised, events)
    expect(alone.machine.phase).toEqual({ name: 'down' })
    expect(actions(alone.effects)).toContainEqual({ do: 'answerRestart', error: 'boom' })
    const watched = run(supervised, [{ type: 'restartRequested', graceMs: 1 }, { type: 'terminated', gen: 0 }, { type: 'startFailed', gen: 1, error: 'boom' }])
    expect(watched.machine.phase.name).toBe('backingOff')
    expect(actions(watched.effects)).toContainEqual({ do: 'answerRestart', error: 'boom' })
  })

  test('a request during backoff starts at once, and the old wait no longer counts', () => {
    const { machine, effects } = run(supervised, [exited(0), { type: 'restartRequested', graceMs: 1 }, { type: 'delayElapsed', gen: 1 }])
    expect(actions(effects)).toEqual([{ do: 'wait', gen: 1, ms: 50 }, { do: 'launch', gen: 2 }])
    expect(machine.phase).toEqual({ name: 'starting', gen: 2, cause: 'request' })
  })
})

describe('stop', () => {
  test('running: terminate with the grace given, then stopped for good', () => {
    const { machine, effects } = run(supervised, [{ type: 'stopRequested', graceMs: 500 }, { type: 'stopRequested', graceMs: 500 }, exited(0), { type: 'terminated', gen: 0 }])
    expect(actions(effects)).toEqual([{ do: 'terminate', gen: 0, graceMs: 500 }])
    expect(logs(effects)).toEqual(['nats-server stopped'])
    expect(machine.phase).toEqual({ name: 'stopped' })
  })

  test('while backing off: stopped at once, and the pending wait starts nothing', () => {
    const { machine, effects } = run(supervised, [exited(0), { type: 'stopRequested', graceMs: 1 }, { type: 'delayElapsed', gen: 1 }, { type: 'restartRequested', graceMs: 1 }])
    expect(actions(effects)).toEqual([{ do: 'wait', gen: 1, ms: 50 }])
    expect(machine.phase).toEqual({ name: 'stopped' })
  })

  test('while starting: the starting process is terminated and its failure is not retried', () => {
    const { machine, effects } = run(supervised, [
      exited(0),
      { type: 'delayElapsed', gen: 1 },
      { type: 'stopRequested', graceMs: 1 },
      { type: 'startFailed', gen: 2, error: 'killed by SIGTERM' },
      { type: 'terminated', gen: 2 },
    ])
    expect(actions(effects)).toEqual([{ do: 'wait', gen: 1, ms: 50 }, { do: 'launch', gen: 2 }, { do: 'terminate', gen: 2, graceMs: 1 }])
    expect(machine.phase).toEqual({ name: 'stopped' })
  })
})

test('events about a replaced process change nothing', () => {
  const restarted = run(supervised, [exited(0), { type: 'delayElapsed', gen: 1 }, { type: 'ready', gen: 2, at: 100, pid: 1 }]).machine
  for (const event of [exited(0), { type: 'silent', gen: 0, at: 99_999, pid: 1 }, { type: 'ready', gen: 0, at: 1, pid: 1 }, { type: 'delayElapsed', gen: 1 }] as SupervisorEvent[]) {
    expect(step(restarted, event, supervised)).toEqual({ machine: restarted, effects: [] })
  }
})

test('whatever happens: stopped is final, a launch always enters starting under a new number, delays stay within bounds', () => {
  const event = (gen: number): fc.Arbitrary<SupervisorEvent> =>
    fc.oneof(
      fc.constant({ type: 'ready', gen, at: gen * 1000, pid: 1 }),
      fc.constant({ type: 'startFailed', gen, error: 'x' }),
      fc.constant(exited(gen, gen * 1000 + 500)),
      fc.constant({ type: 'answered', gen, at: gen * 1000 }),
      fc.constant({ type: 'silent', gen, at: gen * 1000 + 2000, pid: 1 }),
      fc.constant({ type: 'delayElapsed', gen }),
      fc.constant({ type: 'terminated', gen }),
      fc.constant({ type: 'restartRequested', graceMs: 1 }),
      fc.constant({ type: 'stopRequested', graceMs: 1 }),
    )
  const events = fc.array(fc.integer({ min: 0, max: 12 }).chain(event), { maxLength: 60 })
  fc.assert(
    fc.property(fc.boolean(), events, (watched, list) => {
      const policy = watched ? supervised : unsupervised
      let machine = initialMachine(0, policy)
      for (const e of list) {
        const before = machine
        const next = step(machine, e, policy)
        machine = next.machine
        if (before.phase.name === 'stopped') expect(next).toEqual({ machine: before, effects: [] })
        for (const effect of next.effects) {
          if (effect.do === 'launch') {
            expect(machine.phase).toEqual({ name: 'starting', gen: effect.gen, cause: expect.any(String) })
            expect(effect.gen).toBeGreaterThan(before.gen)
          }
          if (effect.do === 'wait') expect(effect.ms).toBeGreaterThanOrEqual(50)
          if (effect.do === 'wait') expect(effect.ms).toBeLessThanOrEqual(300)
          if (!watched) expect(['wait', 'kill']).not.toContain(effect.do)
        }
      }
    }),
    { numRuns: 500 },
  )
})
