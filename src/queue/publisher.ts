// Ingest's side of the queue: publishes chunks to JetStream and settles each on its PubAck.
//
// Publishes are gathered for one turn of the event loop and go out together: nats.js writes to
// its socket once per microtask queue that has publishes in it, and concurrent small requests each
// publish from a turn of their own, so one write (a syscall) per request was the largest cost of an
// ingest node under small requests. Gathered, they are one write per turn; and chunks of requests
// sent without an Idempotency-Key are packed into shared messages (coalesce.ts).
import { headers, type NatsConnection } from 'nats'
import { QueueUnavailableError } from '../errors'
import { type BufferPool, sharedPool } from '../buffer-pool'
import type { Logger } from '../log'
import { coalesce, type Outgoing } from './coalesce'
import { FORMAT_V1, Header, subjectFor } from './message-format'
import { PubAckInbox, PublishRefusedError } from './pub-acks'
import type { QueueConnection } from './connection'
import type { EventPublisher, OutgoingChunk } from './types'

/** Longest wait for one PubAck; past it ingest answers 503 and the client retries (idempotently). */
export const PUBLISH_TIMEOUT_MS = 5000

/** Idle message buffers kept for shared bodies (the pool ingest takes its chunk buffers from). */
const IDLE_MESSAGE_BUFFERS = 32

/** JetStream's header naming the stream a publish must land in (else the server refuses it). */
const EXPECTED_STREAM_HEADER = 'Nats-Expected-Stream'

export interface PublisherOptions {
  stream: string
  timeoutMs?: number
  logger?: Logger
  /** Largest message body; by default the connection's (as ingest sizes chunks). */
  maxMessageBytes?: number
}

/** The reason in words, for QueueUnavailableError's message. */
export function describePublishError(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

interface Waiter {
  readonly chunk: OutgoingChunk
  resolve(): void
  reject(error: Error): void
}

export class JetStreamPublisher implements EventPublisher {
  private readonly inbox: PubAckInbox
  private readonly maxMessageBytes: number
  private readonly pool: BufferPool
  /** Chunks waiting for the end of this turn of the event loop. */
  private queued: Waiter[] = []
  private scheduled = false

  private readonly nc: NatsConnection

  constructor(private readonly queue: QueueConnection, private readonly options: PublisherOptions) {
    const nc = (this.nc = queue.nc)
    this.inbox = new PubAckInbox(nc, options.timeoutMs ?? PUBLISH_TIMEOUT_MS)
    this.maxMessageBytes = options.maxMessageBytes ?? queue.maxMessageBytes
    this.pool = sharedPool('chunks', this.maxMessageBytes, IDLE_MESSAGE_BUFFERS)
    // A closed connection answers nothing more: fail what waits now rather than at its timeout.
    void nc.closed().then(() => this.inbox.failAll(new PublishRefusedError('the NATS connection was closed')))
  }

  /**
   * Resolves once JetStream acknowledged every chunk (a `duplicate` PubAck is success: the same
   * msgId already landed, a retried idempotent request); rejects with QueueUnavailableError
   * otherwise. Chunks already stored stay stored; a retry with the same msgIds lands only the rest.
   */
  publish(chunks: readonly OutgoingChunk[]): Promise<void> {
    if (chunks.length === 0) return Promise.resolve()
    if (!this.queue.usable) return Promise.reject(new QueueUnavailableError('NATS is not connected; events were not queued'))
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
    if (chunks.length === 1) return this.enqueue(chunks[0]!)
    return Promise.all(chunks.map((chunk) => this.enqueue(chunk))).then(() => undefined)
  }

  private enqueue(chunk: OutgoingChunk): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ chunk, resolve, reject })
    })
  }

  /** Sends everything gathered in this turn: one socket write (nats.js flushes once per microtask queue). */
  private flush(): void {
    const waiters = this.queued
    this.queued = []
    this.scheduled = false
    const acks: Promise<void>[] = []
    for (const message of coalesce(waiters, this.maxMessageBytes, this.pool)) acks.push(this.send(message))
    // A dropped connection fails what is still waiting at once instead of at the timeout; a refusal
    // is each message's own, so settle all before looking.
    void this.queue.guard(Promise.allSettled(acks)).catch((err: Error) => this.inbox.failAll(err))
  }

  private send(message: Outgoing<Waiter>): Promise<void> {
    const h = headers()
    h.append(Header.format, FORMAT_V1)
    h.append(Header.dataset, message.dataset)
    h.append(Header.events, String(message.events))
    h.append(Header.lastId, message.lastId)
    // JetStream drops a repeat of this id within the stream's duplicate_window.
    h.append(Header.msgId, message.msgId)
    if (message.checkLanded) h.append(Header.checkLanded, '1')
    h.append(EXPECTED_STREAM_HEADER, this.options.stream)
    const { reply, acked } = this.inbox.expect()
    try {
      this.nc.publish(subjectFor(message.dataset), message.body, { reply, headers: h })
    } catch (err) {
      this.inbox.forget(reply, err instanceof Error ? err : new PublishRefusedError(String(err)))
    }
    return acked.then(
      () => {
        // nats.js copied the body into its write before the ack could come; after a failure it may
        // still hold it (to send on reconnect), so then the buffer is left to the collector.
        if (message.pooled !== undefined) this.pool.give(message.pooled)
        for (const w of message.parts) w.resolve()
      },
      (err: unknown) => {
        // Debug only: during an outage every request fails, and the HTTP edge already counts 503s.
        this.options.logger?.debug({ err, events: message.events }, 'JetStream did not acknowledge the events')
        const error = new QueueUnavailableError(`JetStream did not accept the events: ${describePublishError(err)}`, { cause: err })
        for (const w of message.parts) w.reject(error)
      },
    )
  }

  /** Fails what still waits and stops listening for acknowledgements. */
  close(): void {
    this.inbox.close()
  }
}

export const createEventPublisher = (queue: QueueConnection, options: PublisherOptions): JetStreamPublisher => new JetStreamPublisher(queue, options)
