// The JetStream stream that holds events between ingest and batcher: its configuration, and its
// creation with retries while a server or cluster is still starting.
import {
  DiscardPolicy,
  nanos,
  NatsError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
  type StreamInfo,
  type StreamUpdateConfig,
} from 'nats'
import type { Config } from '../config'
import { QueueUnavailableError } from '../errors'
import type { Logger } from '../log'
import { SUBJECT_WILDCARD } from './message-format'

/**
 * Largest stored message, headers included: NATS's default max_payload (1 MiB). Bodies stay
 * DEFAULT_MAX_MESSAGE_BYTES (4 KiB less) so the Sluice-* and Nats-Msg-Id headers always fit.
 */
export const STREAM_MAX_MSG_BYTES = 1024 * 1024

/** JetStream's "stream not found" API error (https://github.com/nats-io/nats-server/blob/main/server/errors.json). */
export const JS_ERR_STREAM_NOT_FOUND = 10059

export const jsErrCode = (err: unknown): number | undefined =>
  err instanceof NatsError ? err.api_error?.err_code : undefined

/**
 * The stream's configuration from sluice's.
 *
 * Retention is `workqueue`: events are consumed by exactly one consumer (the batcher group) and a
 * message is removed as soon as it is acked, so max_bytes bounds the *backlog* and a stream that
 * is full really means "the batcher is behind". With `limits`, already-written events would keep
 * filling the stream until max_age and ingest would answer 503 while everything is healthy.
 * The price: no replay, and no second consumer with an overlapping filter.
 *
 * Discard is `new`: a full stream refuses publishes (ingest answers 503, the client retries) rather
 * than silently dropping the oldest events nobody has written to ClickHouse yet.
 */
export function streamConfig(cfg: Config['nats']): Partial<StreamConfig> & { name: string } {
  // The server rejects a duplicate window longer than max_age (0 = unlimited age).
  const duplicateWindowMs = cfg.maxAgeMs > 0 ? Math.min(cfg.duplicateWindowMs, cfg.maxAgeMs) : cfg.duplicateWindowMs
  return {
    name: cfg.stream,
    subjects: [SUBJECT_WILDCARD],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    num_replicas: cfg.replicas,
    max_bytes: cfg.maxBytes,
    max_age: nanos(cfg.maxAgeMs), // the JetStream API counts durations in nanoseconds
    duplicate_window: nanos(duplicateWindowMs),
    max_msg_size: STREAM_MAX_MSG_BYTES,
    max_msgs: -1,
    max_consumers: -1,
  }
}

/**
 * Creates the stream, or updates an existing one to the current configuration (limits may change
 * between starts; storage and retention cannot, and the server's error then says so).
 */
export async function ensureStream(jsm: JetStreamManager, cfg: Config['nats']): Promise<StreamInfo> {
  const wanted = streamConfig(cfg)
  try {
    await jsm.streams.info(wanted.name)
  } catch (err) {
    if (jsErrCode(err) !== JS_ERR_STREAM_NOT_FOUND) throw err
    return await jsm.streams.add(wanted)
  }
  // Storage and retention are sent too, so a mismatch is the server's clear error, not ignored.
  const { name, ...rest } = wanted
  return await jsm.streams.update(name, rest as Partial<StreamUpdateConfig>)
}

/**
 * JetStream API errors that mean "not now" rather than "never" (codes from
 * https://github.com/nats-io/nats-server/blob/main/server/errors.json): a cluster still electing its
 * meta leader, peers not yet known, or another node creating the same stream at the same moment.
 */
const TRANSIENT_JS_ERRORS = new Set([
  10004, // JSClusterIncompleteErr: incomplete results
  10005, // JSClusterNoPeersErr: no suitable peers for placement (peers still joining)
  10008, // JSClusterNotAvailErr: JetStream system temporarily unavailable (no meta leader yet)
  10009, // JSClusterNotLeaderErr
  10058, // JSStreamNameExistErr: another node created it between our info and add
])

/** Whether ensureStream may succeed if tried again: timeouts and no-responders while a cluster forms. */
export function isTransientStreamError(err: unknown): boolean {
  if (!(err instanceof NatsError)) return true // a request timing out or the connection dropping
  const code = err.api_error?.err_code
  return code === undefined || TRANSIENT_JS_ERRORS.has(code)
}

export interface StartupRetry {
  /** Give up (and fail the start) after this long; a cluster electing a leader takes seconds. */
  timeoutMs: number
  /** One JetStream API request's limit (the client's default is 5 s). */
  attemptTimeoutMs: number
  firstDelayMs: number
  maxDelayMs: number
}

export const STREAM_STARTUP_RETRY: StartupRetry = { timeoutMs: 60_000, attemptTimeoutMs: 5000, firstDelayMs: 250, maxDelayMs: 5000 }

/**
 * Runs one start-up step against JetStream, patient with a cluster that is still forming or with
 * other nodes starting at the same moment: transient errors are retried with exponential backoff
 * (each one logged) until `retry.timeoutMs`; any other error fails at once.
 */
export async function retryWhileStarting<T>(what: string, step: (attemptTimeoutMs: number) => Promise<T>, logger: Logger, retry: StartupRetry = STREAM_STARTUP_RETRY): Promise<T> {
  const deadline = Date.now() + retry.timeoutMs
  let delay = retry.firstDelayMs
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await step(retry.attemptTimeoutMs)
      if (attempt > 1) logger.info({ what, attempt }, 'JetStream ready')
      return result
    } catch (err) {
      const left = deadline - Date.now()
      if (!isTransientStreamError(err) || left <= 0) {
        throw new QueueUnavailableError(`cannot ${what} (attempt ${attempt}): ${(err as Error).message}`, { cause: err })
      }
      const wait = Math.min(delay, left)
      logger.warn({ what, attempt, retryInMs: wait, err: (err as Error).message }, 'JetStream is not ready yet; retrying')
      await new Promise((r) => setTimeout(r, wait))
      delay = Math.min(delay * 2, retry.maxDelayMs)
    }
  }
}

/** ensureStream with retryWhileStarting. */
export function ensureStreamWithRetry(nc: NatsConnection, cfg: Config['nats'], logger: Logger, retry: StartupRetry = STREAM_STARTUP_RETRY): Promise<StreamInfo> {
  // jetstreamManager() asks the account's JetStream info first: that too times out while a cluster forms.
  return retryWhileStarting(`create or update the JetStream stream ${cfg.stream}`, async (timeout) => ensureStream(await nc.jetstreamManager({ timeout }), cfg), logger, retry)
}
