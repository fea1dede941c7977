// What the queue offers the rest of sluice: ingest publishes chunks, the batcher receives messages.

/** One JetStream message body ready to publish: NDJSON rows of one dataset (message-format.ts). */
export interface OutgoingChunk {
  readonly dataset: string
  readonly body: Uint8Array
  readonly events: number
  /** `_id` of the last row in the body. */
  readonly lastId: string
  /** Names the chunk's events (the same for a retry that holds the same events): JetStream drops repeats. */
  readonly msgId: string
  /**
   * An earlier attempt of the request may have stored some of these events under other message ids
   * (its verdicts depended on the time received): the batcher writes only the rows not yet landed.
   */
  readonly checkLanded?: boolean
  /**
   * The chunk's request has no Idempotency-Key, so nothing needs its message id again: it may share
   * a message with other such chunks (coalesce.ts).
   */
  readonly shareable?: boolean
}

export interface EventPublisher {
  /** Publishes every chunk in parallel and resolves once JetStream acknowledged the messages that
   *  carry all of them (a chunk of a request without an Idempotency-Key may share a message with
   *  others: queue/coalesce.ts); rejects with QueueUnavailableError when NATS is down, slow or the
   *  stream is full. The publisher does not read a chunk's body once this resolved. */
  publish(chunks: readonly OutgoingChunk[]): Promise<void>
}

/** One message as the batcher receives it. Settle it exactly once. */
export interface QueuedMessage {
  readonly dataset: string
  readonly body: Uint8Array
  readonly events: number
  readonly lastId: string
  /** Stream sequence, unique within the stream. */
  readonly seq: number
  /**
   * True when some of its rows may have landed already, so the batcher writes only those not yet
   * in the table: JetStream delivered it before (a batcher died or failed with it), it came after a
   * NATS restart (queue/restart-suspects.ts), or a retry of its request may overlap an earlier
   * attempt (the Sluice-Check-Landed header, consumer.ts).
   */
  readonly redelivered: boolean
  /** When JetStream stored it, in ms by the stream leader's clock (undefined: unknown, so suspect after a restart). */
  readonly publishedMs?: number
  /** Header Sluice-Format; the batcher dead-letters formats it does not know. */
  readonly format: string
  ack(): void
  /** Ask for redelivery after delayMs. */
  nak(delayMs?: number): void
  /** Never deliver again (after dead-lettering it). */
  term(): void
  /** Extend the ack deadline while a slow insert is under way. */
  working(): void
}

/** How much the receiver can take: the consumer never asks JetStream for more bytes than room(). */
export interface PullBudget {
  /** Bytes of messages the receiver can take now. */
  room(): number
  /** Resolves when room() may have grown (messages settled) or waiting should end. */
  roomFreed(): Promise<void>
}

export interface EventConsumer {
  /** Delivers messages to onMessage until stop() is called; resolves when delivery has ended.
   *  With a budget, the bytes delivered and not yet settled never exceed what room() allowed. */
  run(onMessage: (message: QueuedMessage) => void, budget?: PullBudget): Promise<void>
  /** Stops pulling new messages; already delivered ones remain to be settled by the caller. */
  stop(): Promise<void>
  /** After stop(): how long to delay a nak so the message is not redelivered into a pull the
   *  server still holds open for this (stopped) consumer, where it would wait out its ack wait. */
  handBackDelayMs?(): number
  /** Messages in the stream not yet acknowledged by the batcher group (the batcher's lag). */
  lag(): Promise<number>
}
