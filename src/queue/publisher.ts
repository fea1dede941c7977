// Ingest's side of the queue: publishes a request's chunks to JetStream and waits for every PubAck.
import { ErrorCode, headers, NatsError, type JetStreamClient, type NatsConnection } from 'nats'
import { QueueUnavailableError } from '../errors'
import type { Logger } from '../log'
import { FORMAT_V1, Header, subjectFor } from './message-format'
import { NatsLink } from './stream'
import type { EventPublisher, OutgoingChunk } from './types'

/** Longest wait for one PubAck; past it ingest answers 503 and the client retries (idempotently). */
export const PUBLISH_TIMEOUT_MS = 5000

export interface PublisherOptions {
  stream: string
  timeoutMs?: number
  logger?: Logger
}

/**
 * The reason in words, for QueueUnavailableError's message. nats.js reports a JetStream refusal such as "maximum bytes
 * exceeded" (sent with code 503) as a bare "503"; the server's words are in api_error.
 */
export function describePublishError(err: unknown, timeoutMs: number): string {
  if (err instanceof NatsError) {
    if (err.api_error?.description) return `${err.api_error.description} (JetStream error ${err.api_error.err_code ?? err.api_error.code})`
    if (err.code === ErrorCode.NoResponders) return 'no JetStream server answered (no responders)'
    if (err.code === ErrorCode.Timeout) return `no acknowledgement within ${timeoutMs} ms`
  }
  return err instanceof Error ? err.message : String(err)
}

export class JetStreamPublisher implements EventPublisher {
  private readonly js: JetStreamClient
  private readonly link: NatsLink
  private readonly timeoutMs: number

  constructor(nc: NatsConnection, private readonly options: PublisherOptions) {
    this.js = nc.jetstream({ timeout: options.timeoutMs ?? PUBLISH_TIMEOUT_MS })
    this.link = new NatsLink(nc)
    this.timeoutMs = options.timeoutMs ?? PUBLISH_TIMEOUT_MS
  }

  async publish(chunks: readonly OutgoingChunk[]): Promise<void> {
    if (chunks.length === 0) return
    if (!this.link.usable) throw new QueueUnavailableError('NATS is not connected; events were not queued')
    // All chunks in flight at once: one round trip per request instead of one per chunk.
    const acks = chunks.map((chunk) => this.publishOne(chunk))
    try {
      // A `duplicate` PubAck is success: the same msgId already landed (a retried idempotent request).
      await this.link.guard(Promise.all(acks))
    } catch (err) {
      // Chunks already stored stay stored; a retry with the same msgIds lands only the missing ones.
      // Debug only: during an outage every request fails, and the HTTP edge already counts 503s.
      this.options.logger?.debug({ err, chunks: chunks.length }, 'JetStream did not acknowledge the events')
      throw new QueueUnavailableError(`JetStream did not accept the events: ${describePublishError(err, this.timeoutMs)}`, { cause: err })
    }
  }

  private publishOne(chunk: OutgoingChunk) {
    const h = headers()
    h.set(Header.format, FORMAT_V1)
    h.set(Header.dataset, chunk.dataset)
    h.set(Header.events, String(chunk.events))
    h.set(Header.lastId, chunk.lastId)
    return this.js.publish(subjectFor(chunk.dataset), chunk.body, {
      msgID: chunk.msgId, // sent as Nats-Msg-Id: JetStream drops a repeat within duplicate_window
      headers: h,
      timeout: this.timeoutMs,
      expect: { streamName: this.options.stream },
    })
  }
}

export const createEventPublisher = (nc: NatsConnection, options: PublisherOptions): JetStreamPublisher =>
  new JetStreamPublisher(nc, options)
