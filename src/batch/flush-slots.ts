// How many flushes run at once, and waiting helpers that end early when the batcher gives up.

/** A counting semaphore: acquire() waits, in order, until one of `size` slots is free. */
export class FlushSlots {
  readonly #waiters: (() => void)[] = []
  #free: number

  constructor(size: number) {
    this.#free = size
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  release(): void {
    const next = this.#waiters.shift()
    if (next) next()
    else this.#free++
  }
}

export { sleep } from '../abortable-sleep'

/** Resolves when `signal` aborts. */
export const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })))
