// The batcher: groups queued messages by dataset (and shard, on a cluster), writes each batch to ClickHouse and acknowledges
// the messages only once ClickHouse confirmed; a failing store keeps the batch and retries it.
// Memory is bounded by bytes: the consumer pulls only into the room HeldMessages has left, and
// every insert holds at most maxEvents / maxBytes, the first one after an outage included.
import type { Config } from '../config'
import { StoreUnavailableError } from '../errors'
import { quietLogger, type Logger } from '../log'
import { FORMAT_V1 } from '../queue/message-format'
import type { EventConsumer, QueuedMessage } from '../queue/types'
import { tokenFor } from './dedup-token'
import { aborted, FlushSlots, sleep } from './flush-slots'
import { HeldMessages } from './held-messages'
import { isFull, newLane, takeBatch, type Lane } from './lane'
import { planRedelivered, whole, type WritePart } from './redelivery'
import type { BatcherObserver, BatcherStats, BatchWriter, FlushReport } from './types'

export { tokenFor } from './dedup-token'
export type { BatcherObserver, BatcherStats, BatchWriter, FlushReport } from './types'

/** How long stop() keeps flushing (and retrying) when its caller gives no signal. */
export const STOP_FLUSH_DEADLINE_MS = 15_000
/** Datasets flushing at once; more only queues inside ClickHouse (chDB runs one query at a time). */
export const MAX_CONCURRENT_FLUSHES = 4
export const RETRY_INITIAL_MS = 250
export const RETRY_MAX_MS = 10_000

export interface BatcherOptions {
  consumer: EventConsumer
  writer: BatchWriter
  config: Config['batch']
  log?: Logger
  observer?: BatcherObserver
  /** stop()'s deadline when its caller passes no signal. */
  stopDeadlineMs?: number
}

export class Batcher {
  readonly #consumer: EventConsumer
  readonly #writer: BatchWriter
  readonly #cfg: Config['batch']
  readonly #log: Logger
  readonly #observer: BatcherObserver
  readonly #stopDeadlineMs: number
  readonly #lanes = new Map<string, Lane>()
  readonly #stats = { insertedEvents: 0, deadLettered: 0, skippedEvents: 0, batches: 0, failedAttempts: 0 }
  /** Aborted when stop() runs out of time: retries and inserts end, unsettled messages go back to JetStream. */
  readonly #giveUp = new AbortController()
  readonly #held: HeldMessages
  readonly #slots = new FlushSlots(MAX_CONCURRENT_FLUSHES)
  #running: Promise<void> | undefined
  #keepAlive: ReturnType<typeof setInterval> | undefined
  #stopping: Promise<void> | undefined
  #stopped = false

  constructor(opts: BatcherOptions) {
    this.#consumer = opts.consumer
    this.#writer = opts.writer
    this.#cfg = opts.config
    this.#log = opts.log ?? quietLogger
    this.#observer = opts.observer ?? {}
    this.#stopDeadlineMs = opts.stopDeadlineMs ?? STOP_FLUSH_DEADLINE_MS
    this.#held = new HeldMessages(opts.config.maxHeldBytes)
  }

  /** Starts consuming; the promise settles when delivery ends (after stop(), or if the consumer fails). */
  start(): Promise<void> {
    if (this.#running) return this.#running
    // Held messages (waiting, or in a batch ClickHouse keeps refusing) must not reach their ack
    // deadline, or JetStream hands them to another batcher while we still hold them. Four touches
    // per ack wait leave room for a late timer; each write also touches its messages first.
    this.#keepAlive = setInterval(() => this.#touchAll(), Math.max(250, Math.floor(this.#cfg.ackWaitMs / 4)))
    this.#running = this.#consumer.run((m) => this.#receive(m), this.#held)
    return this.#running
  }

  /**
   * Stops consuming, flushes everything held, and resolves. When `signal` aborts (default: after
   * stopDeadlineMs) retries end, an insert in progress is aborted, and every message not written
   * goes back to JetStream for another batcher.
   */
  stop(signal: AbortSignal = AbortSignal.timeout(this.#stopDeadlineMs)): Promise<void> {
    this.#stopping ??= this.#stop(signal)
    return this.#stopping
  }

  async #stop(signal: AbortSignal): Promise<void> {
    const giveUp = () => this.#giveUp.abort()
    if (signal.aborted) giveUp()
    else signal.addEventListener('abort', giveUp, { once: true })
    const cutShort = aborted(this.#giveUp.signal)
    try {
      this.#held.wakeAll()
      await Promise.race([this.#stopConsuming(), cutShort])
      for (;;) {
        const busy = [...this.#lanes.values()].filter((l) => l.flushing || l.pending.length > 0)
        if (busy.length === 0 || this.#giveUp.signal.aborted) break
        for (const lane of busy) this.#kick(lane)
        await Promise.race([Promise.all(busy.map((l) => l.flushing)), cutShort])
      }
    } finally {
      signal.removeEventListener('abort', giveUp)
      clearInterval(this.#keepAlive)
      this.#stopped = true
      this.#giveBack()
    }
  }

  async #stopConsuming(): Promise<void> {
    await this.#consumer.stop()
    await this.#running?.catch((err) => this.#log.error({ err }, 'consumer failed'))
  }

  stats(): Readonly<BatcherStats> {
    return { ...this.#stats, heldBytes: this.#held.bytes, peakHeldBytes: this.#held.peakBytes }
  }

  /** Messages not yet acknowledged by the batcher group. */
  lag(): Promise<number> {
    return this.#consumer.lag()
  }

  #receive(message: QueuedMessage): void {
    if (this.#stopped) return message.nak(this.#consumer.handBackDelayMs?.())
    // A redelivery of a message we still hold: remembered, settled with it, never written twice.
    if (!this.#held.take(message)) return
    const shard = this.#writer.shardOf?.(message) ?? 0
    const key = shard === 0 ? message.dataset : `${message.dataset}\0${shard}`
    let lane = this.#lanes.get(key)
    if (!lane) {
      lane = newLane(message.dataset, shard)
      this.#lanes.set(key, lane)
    }
    if (lane.pending.length === 0) {
      lane.firstAt = Date.now()
      const l = lane
      lane.timer = setTimeout(() => this.#kick(l), this.#cfg.flushIntervalMs)
    }
    lane.pending.push(message)
    lane.events += message.events
    lane.bytes += message.body.length
    if (isFull(lane, this.#cfg)) this.#kick(lane)
  }

  #isDue(lane: Lane): boolean {
    if (this.#giveUp.signal.aborted) return false
    return lane.pending.length > 0 && (this.#stopping !== undefined || isFull(lane, this.#cfg) || Date.now() - lane.firstAt >= this.#cfg.flushIntervalMs)
  }

  /** Starts a flush of the lane's oldest messages unless one is under way; that one re-kicks when done. */
  #kick(lane: Lane): void {
    if (lane.flushing || !this.#isDue(lane)) return
    clearTimeout(lane.timer)
    const batch = takeBatch(lane, this.#cfg)
    lane.inFlight = batch
    lane.flushing = this.#flush(lane, batch)
      .catch((err) => this.#log.error({ err, dataset: lane.dataset }, 'flush failed unexpectedly'))
      .finally(() => {
        lane.flushing = undefined
        lane.inFlight = []
        if (this.#isDue(lane)) this.#kick(lane)
        else if (lane.pending.length > 0) {
          clearTimeout(lane.timer)
          lane.timer = setTimeout(() => this.#kick(lane), Math.max(0, lane.firstAt + this.#cfg.flushIntervalMs - Date.now()))
        }
      })
  }

  async #flush(lane: Lane, batch: QueuedMessage[]): Promise<void> {
    await this.#slots.acquire()
    try {
      if (this.#giveUp.signal.aborted) return
      const report: FlushReport = { dataset: lane.dataset, events: 0, bytes: 0, inserted: 0, deadLettered: 0, skipped: 0, insertMs: 0, attempts: 0 }
      // Decide once what to write: re-deciding after a failed write could change the rows, hence
      // the token, and a write that did land despite the error would land twice.
      const parts = await this.#retrying(lane, batch, report, () => this.#sortOut(lane, batch, report))
      if (parts === undefined) return
      if (parts.length > 0) {
        const token = tokenFor(parts)
        const bodies = parts.map((p) => p.body)
        const result = await this.#retrying(lane, batch, report, async () => {
          // A fresh ack deadline for the whole insert, whatever the keep-alive timer's phase.
          for (const p of parts) this.#held.working(p.message)
          const started = performance.now()
          const r = await this.#writer.write(lane.dataset, bodies, token, this.#giveUp.signal, lane.shard)
          report.insertMs = performance.now() - started
          return r
        })
        if (result === undefined) return
        for (const p of parts) this.#held.settle(p.message, 'ack')
        report.inserted += result.inserted
        report.deadLettered += result.deadLettered
        report.events += parts.reduce((n, p) => n + p.events, 0)
        report.bytes += bodies.reduce((n, b) => n + b.length, 0)
      }
      this.#stats.insertedEvents += report.inserted
      this.#stats.deadLettered += report.deadLettered
      this.#stats.skippedEvents += report.skipped
      this.#stats.batches++
      this.#observer.flushed?.(report)
    } finally {
      // Only when stop() gave up or something unexpected broke: let JetStream redeliver them.
      const delayMs = this.#giveUp.signal.aborted ? (this.#consumer.handBackDelayMs?.() ?? 0) : RETRY_MAX_MS
      for (const m of batch) this.#held.settle(m, 'nak', delayMs)
      this.#slots.release()
    }
  }

  /** Settles messages that need no write (unknown format; already landed) and returns what to write. */
  async #sortOut({ dataset, shard }: Lane, batch: QueuedMessage[], report: FlushReport): Promise<WritePart[]> {
    const open = batch.filter((m) => this.#held.has(m))
    const unknown = open.filter((m) => m.format !== FORMAT_V1)
    if (unknown.length > 0) {
      const decoder = new TextDecoder()
      const entries = unknown.map((m) => ({ id: m.lastId, row: decoder.decode(m.body), error: `unknown message format "${m.format}" (seq ${m.seq})` }))
      await this.#writer.deadLetter(dataset, entries, `msg:${tokenFor(unknown)}`, shard)
      for (const m of unknown) {
        this.#held.settle(m, 'term')
        report.deadLettered += m.events
      }
    }
    const known = open.filter((m) => m.format === FORMAT_V1)
    const redelivered = known.filter((m) => m.redelivered)
    if (redelivered.length === 0) return known.map(whole)
    const plan = await planRedelivered(redelivered, (ids) => this.#writer.landed(dataset, ids, shard))
    for (const m of plan.done) this.#held.settle(m, 'ack')
    report.skipped += plan.landed
    const partOf = new Map(plan.parts.map((p) => [p.message, p]))
    return known.filter((m) => !m.redelivered || partOf.has(m)).map((m) => partOf.get(m) ?? whole(m))
  }

  /** Runs `attempt` until it succeeds, backing off while the store is unavailable. Undefined when
   *  stop() gave up; #flush then naks the unsettled messages. */
  async #retrying<T>(lane: Lane, messages: QueuedMessage[], report: FlushReport, attempt: () => Promise<T>): Promise<T | undefined> {
    let delayMs = RETRY_INITIAL_MS
    for (;;) {
      report.attempts++
      try {
        const result = await attempt()
        if (lane.failing) this.#log.info({ dataset: lane.dataset, attempts: report.attempts }, 'ClickHouse writes recovered')
        lane.failing = false
        return result
      } catch (err) {
        if (this.#giveUp.signal.aborted) return undefined
        if (!(err instanceof StoreUnavailableError)) throw err
        this.#stats.failedAttempts++
        this.#observer.retrying?.(lane.dataset, err, report.attempts)
        // One warning per outage, not one per attempt.
        if (!lane.failing) this.#log.warn({ err, dataset: lane.dataset }, 'ClickHouse write failed; keeping the batch and retrying')
        lane.failing = true
      }
      for (const m of messages) this.#held.working(m)
      await sleep(delayMs, this.#giveUp.signal)
      if (this.#giveUp.signal.aborted) return undefined
      delayMs = Math.min(delayMs * 2, RETRY_MAX_MS)
    }
  }

  #touchAll(): void {
    for (const lane of this.#lanes.values()) {
      for (const m of lane.inFlight) this.#held.working(m)
      for (const m of lane.pending) this.#held.working(m)
    }
  }

  /**
   * After stop: hand every message still held back to JetStream right away, those of a flush cut
   * short included (its write was aborted, or hangs in ClickHouse; when it ends, its settling finds
   * nothing left to settle). Whatever such a write did store, the redelivery check finds.
   */
  #giveBack(): void {
    for (const lane of this.#lanes.values()) {
      clearTimeout(lane.timer)
      const delayMs = this.#consumer.handBackDelayMs?.() ?? 0
      for (const m of [...lane.inFlight, ...lane.pending]) this.#held.settle(m, 'nak', delayMs)
      lane.pending = []
      lane.events = 0
      lane.bytes = 0
    }
  }
}
