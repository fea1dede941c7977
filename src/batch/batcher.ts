// The batcher: groups queued messages by dataset, writes each batch to ClickHouse and acknowledges
// the messages only once ClickHouse confirmed; a failing store keeps the batch and retries it.
import { createHash } from 'node:crypto'
import type { Config } from '../config'
import { StoreUnavailableError } from '../errors'
import { quietLogger, type Logger } from '../log'
import { FORMAT_V1 } from '../queue/message-format'
import type { EventConsumer, QueuedMessage } from '../queue/types'
import type { DeadLetter, WriteResult } from '../sink/row-writer'

/** How long stop() keeps flushing (and retrying) before it gives the rest back to JetStream. */
export const STOP_FLUSH_DEADLINE_MS = 15_000
/** Datasets flushing at once; more only queues inside ClickHouse (chDB runs one query at a time). */
export const MAX_CONCURRENT_FLUSHES = 4
export const RETRY_INITIAL_MS = 250
export const RETRY_MAX_MS = 10_000

/** What the batcher needs of the sink (RowWriter); an interface so tests can inject failures. */
export interface BatchWriter {
  write(dataset: string, bodies: Uint8Array[], dedupToken: string): Promise<WriteResult>
  landed(dataset: string, ids: string[]): Promise<Set<string>>
  deadLetter(dataset: string, entries: DeadLetter[], dedupToken: string): Promise<void>
}

export interface FlushReport {
  dataset: string
  /** Events written (including dead-lettered ones) by this flush. */
  events: number
  bytes: number
  inserted: number
  deadLettered: number
  /** Events of redelivered messages that had already landed, acknowledged without a write. */
  skipped: number
  /** Duration of the successful write call. */
  insertMs: number
  attempts: number
}

/** Hooks for metrics; every method optional. */
export interface BatcherObserver {
  flushed?(report: FlushReport): void
  retrying?(dataset: string, error: Error, attempt: number): void
}

export interface BatcherStats {
  insertedEvents: number
  deadLettered: number
  skippedEvents: number
  batches: number
  failedAttempts: number
}

export interface BatcherOptions {
  consumer: EventConsumer
  writer: BatchWriter
  config: Config['batch']
  log?: Logger
  observer?: BatcherObserver
  stopDeadlineMs?: number
}

/** One dataset's messages: those waiting for the next flush and the flush under way, if any. */
interface Lane {
  readonly dataset: string
  pending: QueuedMessage[]
  events: number
  bytes: number
  firstAt: number
  timer: ReturnType<typeof setTimeout> | undefined
  inFlight: QueuedMessage[]
  flushing: Promise<void> | undefined
  failing: boolean
}

/** The dedup token of a set of messages: the same messages give the same token in any order,
 *  whichever batcher process writes them, so a retried or redelivered batch lands once. */
export function tokenFor(messages: readonly QueuedMessage[]): string {
  const seqs = messages.map((m) => m.seq).sort((a, b) => a - b)
  return createHash('sha256').update(seqs.join(',')).digest('hex').slice(0, 32)
}

export class Batcher {
  readonly #consumer: EventConsumer
  readonly #writer: BatchWriter
  readonly #cfg: Config['batch']
  readonly #log: Logger
  readonly #observer: BatcherObserver
  readonly #stopDeadlineMs: number
  readonly #lanes = new Map<string, Lane>()
  readonly #stats: BatcherStats = { insertedEvents: 0, deadLettered: 0, skippedEvents: 0, batches: 0, failedAttempts: 0 }
  /** Aborted when stop() runs out of time: retries end and unsettled messages go back to JetStream. */
  readonly #giveUp = new AbortController()
  #slots = MAX_CONCURRENT_FLUSHES
  readonly #slotWaiters: (() => void)[] = []
  #running: Promise<void> | undefined
  #keepAlive: ReturnType<typeof setInterval> | undefined
  #stopping = false
  #stopped = false
  /** Stream sequences held now: a message JetStream redelivers while we still hold it is ignored,
   *  not written twice (the keep-alive makes that rare). */
  readonly #held = new Set<number>()

  constructor(opts: BatcherOptions) {
    this.#consumer = opts.consumer
    this.#writer = opts.writer
    this.#cfg = opts.config
    this.#log = opts.log ?? quietLogger
    this.#observer = opts.observer ?? {}
    this.#stopDeadlineMs = opts.stopDeadlineMs ?? STOP_FLUSH_DEADLINE_MS
  }

  /** Starts consuming; the promise settles when delivery ends (after stop(), or if the consumer fails). */
  start(): Promise<void> {
    if (this.#running) return this.#running
    // Held messages (waiting, or in a batch ClickHouse keeps refusing) must not reach their ack
    // deadline, or JetStream hands them to another batcher while we still hold them.
    this.#keepAlive = setInterval(() => this.#touchAll(), Math.max(250, Math.floor(this.#cfg.ackWaitMs / 3)))
    this.#running = this.#consumer.run((m) => this.#receive(m))
    return this.#running
  }

  /** Stops consuming, flushes everything held, and resolves; gives up after the deadline. */
  async stop(): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    const deadline = setTimeout(() => this.#giveUp.abort(), this.#stopDeadlineMs)
    try {
      await this.#consumer.stop()
      await this.#running?.catch((err) => this.#log.error({ err }, 'consumer failed'))
      for (;;) {
        const busy = [...this.#lanes.values()].filter((l) => l.flushing || l.pending.length > 0)
        if (busy.length === 0 || this.#giveUp.signal.aborted) break
        for (const lane of busy) this.#kick(lane)
        await Promise.all(busy.map((l) => l.flushing))
      }
    } finally {
      clearTimeout(deadline)
      clearInterval(this.#keepAlive)
      this.#stopped = true
      this.#giveBack()
    }
  }

  stats(): Readonly<BatcherStats> {
    return { ...this.#stats }
  }

  /** Messages not yet acknowledged by the batcher group. */
  lag(): Promise<number> {
    return this.#consumer.lag()
  }

  #receive(message: QueuedMessage): void {
    if (this.#stopped) return message.nak()
    if (this.#held.has(message.seq)) return
    this.#held.add(message.seq)
    let lane = this.#lanes.get(message.dataset)
    if (!lane) {
      lane = { dataset: message.dataset, pending: [], events: 0, bytes: 0, firstAt: 0, timer: undefined, inFlight: [], flushing: undefined, failing: false }
      this.#lanes.set(message.dataset, lane)
    }
    if (lane.pending.length === 0) {
      lane.firstAt = Date.now()
      lane.timer = setTimeout(() => this.#kick(lane), this.#cfg.flushIntervalMs)
    }
    lane.pending.push(message)
    lane.events += message.events
    lane.bytes += message.body.length
    if (this.#isFull(lane)) this.#kick(lane)
  }

  #isFull(lane: Lane): boolean {
    return lane.events >= this.#cfg.maxEvents || lane.bytes >= this.#cfg.maxBytes
  }

  #isDue(lane: Lane): boolean {
    if (this.#giveUp.signal.aborted) return false
    return lane.pending.length > 0 && (this.#stopping || this.#isFull(lane) || Date.now() - lane.firstAt >= this.#cfg.flushIntervalMs)
  }

  /** Starts a flush of the lane's pending messages unless one is under way; that one re-kicks when done. */
  #kick(lane: Lane): void {
    if (lane.flushing || !this.#isDue(lane)) return
    clearTimeout(lane.timer)
    const batch = lane.pending
    lane.inFlight = batch
    lane.pending = []
    lane.events = 0
    lane.bytes = 0
    lane.flushing = this.#flush(lane, batch)
      .catch((err) => this.#log.error({ err, dataset: lane.dataset }, 'flush failed unexpectedly'))
      .finally(() => {
        lane.flushing = undefined
        lane.inFlight = []
        // Messages that arrived meanwhile still have the timer set by their first one.
        if (this.#isDue(lane)) this.#kick(lane)
      })
  }

  async #flush(lane: Lane, batch: QueuedMessage[]): Promise<void> {
    await this.#acquire()
    const settled = new Set<QueuedMessage>()
    const settle = (m: QueuedMessage, how: 'ack' | 'term') => {
      if (how === 'ack') m.ack()
      else m.term()
      settled.add(m)
      this.#held.delete(m.seq)
    }
    try {
      const report: FlushReport = { dataset: lane.dataset, events: 0, bytes: 0, inserted: 0, deadLettered: 0, skipped: 0, insertMs: 0, attempts: 0 }
      // Decide once which messages to write: re-deciding after a failed write could change the set,
      // hence the token, and a write that did land despite the error would land twice.
      const toWrite = await this.#retrying(lane, batch, report, () => this.#sortOut(lane.dataset, batch, settled, settle, report))
      if (toWrite === undefined) return
      if (toWrite.length > 0) {
        const token = tokenFor(toWrite)
        const bodies = toWrite.map((m) => m.body)
        const result = await this.#retrying(lane, toWrite, report, async () => {
          const started = performance.now()
          const r = await this.#writer.write(lane.dataset, bodies, token)
          report.insertMs = performance.now() - started
          return r
        })
        if (result === undefined) return
        for (const m of toWrite) settle(m, 'ack')
        report.inserted += result.inserted
        report.deadLettered += result.deadLettered
        report.events += toWrite.reduce((n, m) => n + m.events, 0)
        report.bytes += bodies.reduce((n, b) => n + b.length, 0)
      }
      this.#stats.insertedEvents += report.inserted
      this.#stats.deadLettered += report.deadLettered
      this.#stats.skippedEvents += report.skipped
      this.#stats.batches++
      this.#observer.flushed?.(report)
    } finally {
      // Only when stop() gave up or something unexpected broke: let JetStream redeliver them.
      for (const m of batch) {
        if (settled.has(m)) continue
        m.nak(this.#giveUp.signal.aborted ? 0 : RETRY_MAX_MS)
        this.#held.delete(m.seq)
      }
      this.#release()
    }
  }

  /** Settles messages that need no write (unknown format; already landed) and returns the rest. */
  async #sortOut(
    dataset: string,
    batch: QueuedMessage[],
    settled: Set<QueuedMessage>,
    settle: (m: QueuedMessage, how: 'ack' | 'term') => void,
    report: FlushReport,
  ): Promise<QueuedMessage[]> {
    const open = batch.filter((m) => !settled.has(m))
    const unknown = open.filter((m) => m.format !== FORMAT_V1)
    if (unknown.length > 0) {
      const decoder = new TextDecoder()
      const entries = unknown.map((m) => ({ id: m.lastId, row: decoder.decode(m.body), error: `unknown message format "${m.format}" (seq ${m.seq})` }))
      await this.#writer.deadLetter(dataset, entries, `msg:${tokenFor(unknown)}`)
      for (const m of unknown) {
        settle(m, 'term')
        report.deadLettered += m.events
      }
    }
    const known = open.filter((m) => m.format === FORMAT_V1)
    const redelivered = known.filter((m) => m.redelivered)
    if (redelivered.length === 0) return known
    // A message's rows go in one insert (bisection aside), so its last row being there means all of it is.
    const landed = await this.#writer.landed(dataset, redelivered.map((m) => m.lastId))
    const rest: QueuedMessage[] = []
    for (const m of known) {
      if (m.redelivered && landed.has(m.lastId)) {
        settle(m, 'ack')
        report.skipped += m.events
      } else rest.push(m)
    }
    return rest
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
        if (!(err instanceof StoreUnavailableError)) throw err
        this.#stats.failedAttempts++
        this.#observer.retrying?.(lane.dataset, err, report.attempts)
        // One warning per outage, not one per attempt.
        if (!lane.failing) this.#log.warn({ err, dataset: lane.dataset }, 'ClickHouse write failed; keeping the batch and retrying')
        lane.failing = true
      }
      if (this.#giveUp.signal.aborted) return undefined
      for (const m of messages) if (this.#held.has(m.seq)) m.working()
      await sleep(delayMs, this.#giveUp.signal)
      if (this.#giveUp.signal.aborted) return undefined
      delayMs = Math.min(delayMs * 2, RETRY_MAX_MS)
    }
  }

  #touchAll(): void {
    for (const lane of this.#lanes.values()) {
      for (const m of lane.inFlight) if (this.#held.has(m.seq)) m.working()
      for (const m of lane.pending) m.working()
    }
  }

  /** After a stop that ran out of time: hand messages not yet in a batch back to JetStream right away. */
  #giveBack(): void {
    for (const lane of this.#lanes.values()) {
      clearTimeout(lane.timer)
      // In-flight batches nak their own messages when their flush ends.
      for (const m of lane.pending) m.nak()
      lane.pending = []
      lane.events = 0
      lane.bytes = 0
    }
  }

  async #acquire(): Promise<void> {
    if (this.#slots > 0) {
      this.#slots--
      return
    }
    await new Promise<void>((resolve) => this.#slotWaiters.push(resolve))
  }

  #release(): void {
    const next = this.#slotWaiters.shift()
    if (next) next()
    else this.#slots++
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
