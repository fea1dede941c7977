// The batcher's side of the queue: a durable pull consumer that survives NATS restarts.
import {
  AckPolicy,
  ConsumerEvents,
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
import { jsErrCode, NatsLink } from './stream'
import type { EventConsumer, QueuedMessage } from './types'

export const DEFAULT_CONSUMER_NAME = 'sluice-batcher'
/** Bytes the client asks for per pull; bounds what sits in memory not yet handed to the batcher. */
export const PULL_MAX_BYTES = 16 * 1024 * 1024
/** A pull request lives this long; also the client's back-off when it cannot find its consumer. */
const PULL_EXPIRES_MS = 10_000
/** Pause before re-creating the pull after it broke (NATS down, consumer deleted). */
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
  pullMaxBytes?: number
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
    redelivered: m.redelivered, // info.redeliveryCount > 1
    format: h?.get(Header.format) ?? '',
    ack: () => m.ack(),
    nak: (delayMs?: number) => m.nak(delayMs),
    term: () => m.term(),
    working: () => m.working(),
  }
}

export class JetStreamConsumer implements EventConsumer {
  private readonly name: string
  private readonly link: NatsLink
  private jsm?: JetStreamManager
  private messages?: ConsumerMessages
  private stopped = false
  private runDone?: Promise<void>
  private wake?: () => void
  /** True between the first problem and the next success: warn once per outage, not per retry. */
  private troubled = false

  constructor(private readonly nc: NatsConnection, private readonly options: ConsumerOptions) {
    this.name = options.name ?? DEFAULT_CONSUMER_NAME
    this.link = new NatsLink(nc)
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

  private trouble(what: string, err?: unknown) {
    if (this.troubled) return
    this.troubled = true
    this.options.logger.warn({ err, consumer: this.name }, what)
  }

  private recovered() {
    if (!this.troubled) return
    this.troubled = false
    this.options.logger.info({ consumer: this.name }, 'receiving events from JetStream again')
  }

  /** Logs the pull's own trouble reports; a deleted consumer is re-created by closing the pull. */
  private watch(messages: ConsumerMessages) {
    void (async () => {
      for await (const s of await messages.status()) {
        if (s.type === ConsumerEvents.ConsumerNotFound || s.type === ConsumerEvents.ConsumerDeleted) {
          this.trouble('the batcher consumer disappeared; re-creating it')
          void messages.close()
        } else if (s.type === ConsumerEvents.HeartbeatsMissed || s.type === ConsumerEvents.NoResponders || s.type === ConsumerEvents.StreamNotFound) {
          this.trouble(`JetStream pull interrupted (${s.type}); retrying`)
        }
      }
    })().catch(() => {})
  }

  async run(onMessage: (message: QueuedMessage) => void): Promise<void> {
    if (this.runDone !== undefined) throw new Error('consumer is already running')
    this.stopped = false
    this.runDone = this.loop(onMessage).finally(() => {
      this.runDone = undefined
      this.messages = undefined
    })
    return this.runDone
  }

  private async loop(onMessage: (message: QueuedMessage) => void): Promise<void> {
    while (!this.stopped && !this.nc.isClosed()) {
      try {
        // While disconnected every API call would only wait out its timeout: wait for the link instead.
        if (!this.link.usable) throw new Error('NATS is not connected')
        const consumer = await this.ensureConsumer()
        if (this.stopped) break
        // consume() re-pulls by itself after a reconnect; this loop covers the cases where it gives up.
        const messages = await consumer.consume({ max_bytes: this.options.pullMaxBytes ?? PULL_MAX_BYTES, expires: PULL_EXPIRES_MS })
        this.messages = messages
        this.watch(messages)
        for await (const m of messages) {
          this.recovered()
          try {
            onMessage(toQueuedMessage(m))
          } catch (err) {
            // Left unsettled, the message comes back after ack_wait.
            this.options.logger.error({ err, seq: m.seq }, 'batcher failed to take a message')
          }
        }
        if (!this.stopped) this.trouble('JetStream pull ended; re-creating it', await messages.closed())
      } catch (err) {
        if (!this.stopped) this.trouble('cannot pull events from JetStream; retrying', err)
      }
      if (!this.stopped) await new Promise<void>((resolve) => {
        this.wake = resolve
        setTimeout(resolve, RETRY_MS)
      })
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.messages?.close()
    await this.runDone
  }

  async lag(): Promise<number> {
    if (!this.link.usable) return 0 // unknown; answering at once keeps /metrics fast during an outage
    try {
      const info = await (await this.manager()).consumers.info(this.options.stream, this.name)
      return info.num_pending + info.num_ack_pending
    } catch {
      return 0
    }
  }
}

export const createEventConsumer = (nc: NatsConnection, options: ConsumerOptions): JetStreamConsumer =>
  new JetStreamConsumer(nc, options)
