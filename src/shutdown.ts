// One shutdown budget (SHUTDOWN_TIMEOUT_MS) shared by every step, in reverse order of start. Each
// step is told its own deadline (a share of the time still left) and is abandoned when it passes,
// so the steps together never take longer than the budget, whatever one of them does.
import type { Logger } from './log'

export interface ShutdownStep {
  name: string
  /** Fraction (0..1] of the time left when the step begins that it may use; what it leaves is for the steps after it. */
  share: number
  /** Does the work; `deadline` (epoch ms) is when it must be done, `signal` aborts at that moment. */
  run(deadline: number, signal: AbortSignal): Promise<void>
}

/** How much earlier than its hard cut a step is told to be done. */
const STEP_MARGIN_MS = 200

export class Shutdown {
  readonly #steps: ShutdownStep[] = []
  #running?: Promise<void>

  constructor(private readonly logger: Logger) {}

  /** Registers a step; steps run in reverse order of registration (last started, first stopped). */
  add(name: string, share: number, run: ShutdownStep['run']): void {
    this.#steps.push({ name, share, run })
  }

  /** Runs every step once within budgetMs; later calls return the same promise. */
  run(budgetMs: number): Promise<void> {
    return (this.#running ??= this.#runAll(Date.now() + budgetMs))
  }

  async #runAll(end: number): Promise<void> {
    for (const step of this.#steps.reverse()) {
      const now = Date.now()
      const cut = now + Math.max(0, (end - now) * step.share)
      // The step is told a deadline (and aborted) a little before its hard cut, so a step that
      // winds up on time is not reported as cut short by a timer firing at the same moment.
      const deadline = cut - Math.min(STEP_MARGIN_MS, (cut - now) / 50)
      const abort = new AbortController()
      const aborter = setTimeout(() => abort.abort(new Error(`shutdown step "${step.name}" ran out of time`)), deadline - now)
      let timer: ReturnType<typeof setTimeout> | undefined
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), cut - now)
      })
      try {
        const outcome = await Promise.race([step.run(deadline, abort.signal).then(() => 'done' as const), expired])
        if (outcome === 'expired') this.logger.error({ step: step.name, ms: cut - now }, 'shutdown step ran out of its time; going on without it')
      } catch (err) {
        this.logger.error({ err, step: step.name }, 'shutdown step failed')
      } finally {
        clearTimeout(timer)
        clearTimeout(aborter)
      }
    }
  }
}
