// The messages one batcher holds (waiting in a lane or being written) and their bytes: the
// consumer asks for no more than the room left, so a ClickHouse outage cannot pile up memory.
import type { PullBudget, QueuedMessage } from '../queue/types'

export type Settlement = 'ack' | 'term' | 'nak'

export class HeldMessages implements PullBudget {
  /** Deliveries per stream sequence: the first is the one in a lane; later ones are JetStream
   *  redelivering a message we still hold (our ack deadline lapsed), settled together with it. */
  readonly #bySeq = new Map<number, QueuedMessage[]>()
  #bytes = 0
  #peakBytes = 0
  #waiters: (() => void)[] = []

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes
  }

  /** Most bytes held at once since start. */
  get peakBytes(): number {
    return this.#peakBytes
  }

  get count(): number {
    return this.#bySeq.size
  }

  /** Holds a new message; false when its sequence is already held (a redelivery to remember, not to write). */
  take(message: QueuedMessage): boolean {
    const deliveries = this.#bySeq.get(message.seq)
    if (deliveries) {
      deliveries.push(message)
      return false
    }
    this.#bySeq.set(message.seq, [message])
    this.#bytes += message.body.length
    if (this.#bytes > this.#peakBytes) this.#peakBytes = this.#bytes
    return true
  }

  has(message: QueuedMessage): boolean {
    return this.#bySeq.has(message.seq)
  }

  /** Settles every delivery of the message's sequence and frees its bytes; a no-op once settled. */
  settle(message: QueuedMessage, how: Settlement, nakDelayMs?: number): void {
    const deliveries = this.#bySeq.get(message.seq)
    if (!deliveries) return
    this.#bySeq.delete(message.seq)
    this.#bytes -= deliveries[0]!.body.length
    for (const m of deliveries) {
      if (how === 'ack') m.ack()
      else if (how === 'term') m.term()
      else m.nak(nakDelayMs)
    }
    for (const wake of this.#waiters.splice(0)) wake()
  }

  /** Pushes the ack deadline of a held message back (its latest delivery is the one JetStream tracks). */
  working(message: QueuedMessage): void {
    const deliveries = this.#bySeq.get(message.seq)
    if (deliveries) deliveries[deliveries.length - 1]!.working()
  }

  room(): number {
    return this.maxBytes - this.#bytes
  }

  roomFreed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** Ends every roomFreed() wait (on stop). */
  wakeAll(): void {
    for (const wake of this.#waiters.splice(0)) wake()
  }
}
