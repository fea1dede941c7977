// The batcher's side of the queue: a durable pull consumer that survives NATS restarts.
import {
  AckPolicy,
  ConsumerDebugEvents,
  DeliverPolicy,
  nanos,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats'
import type { Logger } from '../log'
import { Header, SUBJECT_WILDCARD } from './message-format'
import type { QueueConnection } from './connection'
import { jsErrCode, STREAM_MAX_MSG_BYTES } from './stream'
import type { EventConsumer, PullBudget, QueuedMessage } from './types'

export const DEFAULT_CONSUMER_NAME = 'sluice-batcher'
/**
 * Pulls ask for a number of messages, never for bytes. A pull with max_bytes below the size of the
 * next message (subject, reply subject and headers included) is refused with 409 "Message Size
 * Exceeds MaxBytes", and the client's consume() re-pulls with whatever bytes it thinks are left
 * (a few KB), so one large message stalled the consumer for good
 * (https://github.com/nats-io/nats-server/issues/5888, https://github.com/nats-io/nats.go/issues/1718).
 * Bytes are bounded instead by asking for at most room / STREAM_MAX_MSG_BYTES messages: no message
 * is larger, so what one pull delivers always fits in the room it was asked for.
 */
export const PULL_MAX_MESSAGES = 1000
/** Room assumed when the caller gives no budget. */
export const DEFAULT_PULL_ROOM_BYTES = 16 * 1024 * 1024
/**
 * A pull request lives this long; the server holds it open until its messages came or it expires.
 * Short, because nats-server 2.9 keeps delivering to a pull the client already closed (stop()):
 * messages handed back meanwhile would sit there until their ack wait.
 */
export const PULL_EXPIRES_MS = 5000
/** Pause before re-creating the pull after it broke (NATS down, consumer deleted) or was refused. */
const RETRY_MS = 1000
const JS_API_TIMEOUT_MS = 5000
/** JetStream's "consumer not found" API error. */
const JS_ERR_CONSUMER_NOT_FOUND = 10014

export interface ConsumerOptions {
  stream: string
  /** Redeliver a message this long after delivery unless acked (config batch.ackWaitMs). */
  ackWaitMs: number
  /** Largest batch in events (config batch.maxEvents): sizes max_ack_pending. */
  maxEvents?: number
  name?: string
  logger: Logger
}

/** Maps a JetStream message to the batcher's view; settling delegates to the message. */
export function toQueuedMessage(m: JsMsg): QueuedMessage {
  const h = m.headers
  return {
    // Headers win; the subject (`sluice.events.<dataset>`) is the fallback for a header-less message.
    dataset: h?.get(Header.dataset) || m.subject.slice(m.subject.lastIndexOf('.') + 1),
    body: m.data,
    events: Number(h?.get(Header.events)) || 0,
    lastId: h?.get(Header.lastId) ?? '',
    seq: m.seq,
    // Delivered before (info.redeliveryCount > 1), or published by a retry that may overlap an
    // earlier attempt: either way only the rows not yet landed are written.
    redelivered: m.redelivered || h?.get(Header.checkLanded) === '1',
    publishedMs: Math.floor(m.info.timestampNanos / 1e6),
    format: h?.get(Header.format) ?? '',
    ack: () => m.ack(),
    nak: (delayMs?: number) => m.nak(delayMs),
    term: () => m.term(),
    working: () => m.working(),
  }
}

export class JetStreamConsumer implements EventConsumer {
  private readonly name: string
  private readonly nc: NatsConnection
  private jsm?: JetStreamManager
  private messages?: ConsumerMessages
  private stopped = false
  private runDone?: Promise<void>
  /** Until when the server may still hold our last pull open (0: it ended). */
  private pullOpenUntil = 0
  /** Resolvers of pauses and budget waits, called by stop(). */
  private readonly wakers = new Set<() => void>()
  /** True between the first problem and the next success: warn once per outage, not per retry. */
  private troubled = false

  constructor(private readonly queue: QueueConnection, private readonly options: ConsumerOptions) {
    this.name = options.name ?? DEFAULT_CONSUMER_NAME
    this.nc = queue.nc
  }

  /**
   * A message counts toward max_ack_pending until the batcher acks it after its insert, and every
   * message holds at least one event, so a full batch never needs more than maxEvents pending.
   * The server stops delivering at the limit: that is the batcher's back-pressure.
   */
  private config(): Partial<ConsumerConfig> {
    return {
      durable_name: this.name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.options.ackWaitMs),
      max_ack_pending: Math.max(10_000, this.options.maxEvents ?? 0),
      filter_subject: SUBJECT_WILDCARD,
      deliver_policy: DeliverPolicy.All,
      max_deliver: -1, // the batcher dead-letters poison messages itself (term)
    }
  }

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await this.nc.jetstreamManager({ timeout: JS_API_TIMEOUT_MS, checkAPI: false })
    return this.jsm
  }

  /** Creates the durable consumer, or updates ack_wait / max_ack_pending of an existing one. */
  private async ensureConsumer(): Promise<Consumer> {
    const jsm = await this.manager()
    const { stream } = this.options
    try {
      await jsm.consumers.info(stream, this.name)
      await jsm.consumers.update(stream, this.name, this.config())
    } catch (err) {
      if (jsErrCode(err) !== JS_ERR_CONSUMER_NOT_FOUND) throw err
      await jsm.consumers.add(stream, this.config())
    }
    return await this.nc.jetstream({ timeout: JS_API_TIMEOUT_MS }).consumers.get(stream, this.name)
  }

  private trouble(what: string, err?: unknown, details?: Record<string, unknown>) {
    if (this.troubled) return
    this.troubled = true
    this.options.logger.warn({ err, consumer: this.name, ...details }, what)
  }

  private recovered() {
    if (!this.troubled) return
    this.troubled = false
    this.options.logger.info({ consumer: this.name }, 'receiving events from JetStream again')
  }

  async run(onMessage: (message: QueuedMessage) => void, budget?: PullBudget): Promise<void> {
    if (this.runDone !== undefined) throw new Error('consumer is already running')
    this.stopped = false
    this.runDone = this.loop(onMessage, budget).finally(() => {
      this.runDone = undefined
      this.messages = undefined
    })
    return this.runDone
  }

  private async loop(onMessage: (message: QueuedMessage) => void, budget: PullBudget | undefined): Promise<void> {
    while (!this.stopped && !this.nc.isClosed()) {
      try {
        // While disconnected every API call would only wait out its timeout: wait for the link instead.
        if (!this.queue.usable) throw new Error('NATS is not connected')
        const consumer = await this.ensureConsumer()
        if (this.stopped) break
        // An operator may cap the messages per pull on the consumer (max_batch); larger pulls are refused.
        const maxBatch = Math.min(PULL_MAX_MESSAGES, (await consumer.info(true)).config.max_batch || PULL_MAX_MESSAGES)
        while (!this.stopped) {
          const room = budget ? budget.room() : DEFAULT_PULL_ROOM_BYTES
          const count = Math.min(maxBatch, Math.floor(room / STREAM_MAX_MSG_BYTES))
          if (count < 1) {
            // The receiver holds all it may: wait until it settles some rather than pull a little.
            await this.until(budget!.roomFreed())
            continue
          }
          // Refused: pause, then look at the consumer again (its limits may have changed).
          if (!(await this.pullOnce(consumer, count, onMessage))) break
        }
      } catch (err) {
        if (!this.stopped) this.trouble('cannot pull events from JetStream; retrying', err)
      }
      if (!this.stopped) await this.pause()
    }
  }

  /**
   * One pull of at most `count` messages, delivered as they arrive until all came or the pull
   * expires. False when the server refused it (or it ended at once with nothing): that is logged,
   * and the caller backs off rather than repeat it in a tight loop.
   */
  private async pullOnce(consumer: Consumer, count: number, onMessage: (message: QueuedMessage) => void): Promise<boolean> {
    const started = Date.now()
    const messages = await consumer.fetch({ max_messages: count, expires: PULL_EXPIRES_MS })
    this.messages = messages
    // stop() ran while the pull was being set up: it could not close this one, so close it here
    // rather than let it deliver to a stopped receiver until it expires.
    if (this.stopped) {
      await messages.close()
      return true
    }
    this.pullOpenUntil = started + PULL_EXPIRES_MS
    // The client reports a refusal without pending counts (409 "Exceeded MaxRequestBatch", 400 ...)
    // only as a debug status and would wait out the pull's expiry: end the pull at once instead.
    let refusal = ''
    void (async () => {
      for await (const s of await messages.status()) {
        if (s.type === ConsumerDebugEvents.DebugEvent && /^4\d\d /.test(String(s.data))) {
          refusal = String(s.data)
          void messages.close()
        }
      }
    })().catch(() => {})
    let received = 0
    for await (const m of messages) {
      received++
      this.recovered()
      try {
        onMessage(toQueuedMessage(m))
      } catch (err) {
        // Left unsettled, the message comes back after ack_wait.
        this.options.logger.error({ err, seq: m.seq }, 'batcher failed to take a message')
      }
    }
    // Ended by the server (all messages came, or it expired): nothing of ours is left open there.
    if (!this.stopped && refusal === '') this.pullOpenUntil = 0
    const err = await messages.closed()
    if (err) throw err
    if (this.stopped) return true
    if (refusal !== '' || (received === 0 && Date.now() - started < PULL_EXPIRES_MS / 2)) {
      this.trouble('JetStream refused a pull; retrying', undefined, { count, status: refusal || 'ended at once without messages' })
      return false
    }
    return true
  }

  /** Waits for `event`, or until stop() is called. */
  private until(event: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.stopped) return resolve()
      const done = () => {
        this.wakers.delete(done)
        resolve()
      }
      this.wakers.add(done)
      event.then(done, done)
    })
  }

  private pause(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    return this.until(new Promise((resolve) => (timer = setTimeout(resolve, RETRY_MS)))).finally(() => clearTimeout(timer))
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const wake of [...this.wakers]) wake()
    this.wakers.clear()
    await this.messages?.close()
    await this.runDone
  }

  handBackDelayMs(): number {
    return Math.max(0, this.pullOpenUntil - Date.now())
  }

  async lag(): Promise<number> {
    if (!this.queue.usable) return 0 // unknown; answering at once keeps /metrics fast during an outage
    try {
      const info = await (await this.manager()).consumers.info(this.options.stream, this.name)
      return info.num_pending + info.num_ack_pending
    } catch {
      return 0
    }
  }
}

export const createEventConsumer = (queue: QueueConnection, options: ConsumerOptions): JetStreamConsumer =>
  new JetStreamConsumer(queue, options)
