// One shutdown budget for every step: each is told its deadline, and one that overruns is left
// behind so the whole never takes longer than the budget.
import { describe, expect, test } from 'bun:test'
import { quietLogger } from '../../src/log'
import { Shutdown } from '../../src/shutdown'

describe('Shutdown', () => {
  test('steps run in reverse order of registration, each within its share of the time left', async () => {
    const shutdown = new Shutdown(quietLogger)
    const seen: { name: string; allowedMs: number }[] = []
    const step = (name: string) => async (deadline: number) => void seen.push({ name, allowedMs: deadline - Date.now() })
    shutdown.add('first started', 1, step('first started'))
    shutdown.add('second started', 0.5, step('second started'))
    await shutdown.run(1000)
    expect(seen.map((s) => s.name)).toEqual(['second started', 'first started'])
    expect(seen[0]!.allowedMs).toBeGreaterThan(450)
    expect(seen[0]!.allowedMs).toBeLessThanOrEqual(500)
    expect(seen[1]!.allowedMs).toBeGreaterThan(950)
  })

  test('a step that ignores its deadline is abandoned (its signal aborted) and the rest still run within the budget', async () => {
    const shutdown = new Shutdown(quietLogger)
    let aborted = false
    let ranLast = false
    shutdown.add('last', 1, async () => void (ranLast = true))
    shutdown.add('stuck', 0.5, (_deadline, signal) => {
      signal.addEventListener('abort', () => (aborted = true))
      return new Promise(() => {}) // never settles
    })
    const began = Date.now()
    await shutdown.run(600)
    expect(Date.now() - began).toBeLessThan(700)
    expect(aborted).toBe(true)
    expect(ranLast).toBe(true)
  })

  test('a failing step is logged and does not stop the others; running twice runs once', async () => {
    const shutdown = new Shutdown(quietLogger)
    let runs = 0
    shutdown.add('counted', 1, async () => void runs++)
    shutdown.add('failing', 1, async () => {
      throw new Error('boom')
    })
    await Promise.all([shutdown.run(500), shutdown.run(500)])
    expect(runs).toBe(1)
  })
})
