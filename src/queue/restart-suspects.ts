// After a nats-server restart JetStream can hand the batcher, as new, events that are already in
// ClickHouse, in two ways measured here on nats-server 2.9 (test/integration/crash-restart.test.ts,
// supervision.test.ts):
// - acknowledgements are lost when the server is killed: messages acknowledged with ackAck came back
//   after SIGKILL and restart with redeliveryCount 1, so `redelivered` is false;
// - the duplicate window forgets consumed messages: after a restart it is rebuilt from the messages
//   still stored, and a workqueue stream removes each message once acknowledged, so a client's retry
//   (same Idempotency-Key) of a request already written is stored again as a new message.
// The batcher checks ClickHouse before writing only the messages marked redelivered; this marks
// those that may hold rows written before this process started or reconnected to NATS:
// - every message that was in the stream then (its sequence is at most the stream's last);
// - every message JetStream stored within one duplicate window of the last message stored before
//   then (the stream's last_ts, kept across restarts): only then can it be such a retry, since a
//   retry later than that would not have been dropped by JetStream either. A stream that was idle
//   for a window before the restart has no such suspects at all. When the stream has no history
//   (new, or its store wiped while ClickHouse kept the rows), every message delivered within one
//   window after the start is suspect instead.
import type { Logger } from '../log'
import type { QueueConnection } from './connection'
import type { EventConsumer, QueuedMessage } from './types'

const RETRY_MS = 500
/** Allowance for clocks of cluster nodes that disagree: a stream's leader stamps its messages. */
export const CLOCK_SKEW_MS = 60_000

export interface SuspectConfig {
  stream: string
  duplicateWindowMs: number
  clockSkewMs?: number
}

export function markRestartSuspects(inner: EventConsumer, queue: QueueConnection, cfg: SuspectConfig, logger: Logger): EventConsumer {
  const { stream, duplicateWindowMs } = cfg
  const skewMs = cfg.clockSkewMs ?? CLOCK_SKEW_MS
  /** True until the stream's state is known again (at start, and after every disconnect): everything is suspect. */
  let unsure = true
  /** Messages up to this stream sequence may have been written before. */
  let suspectUpTo = 0
  /** Messages stored before this (stream leader's clock) may be retries of requests written before. */
  let retryHorizonMs = 0
  /** Without the stream's history: until this (our clock), every delivered message is suspect. */
  let suspectUntil = 0
  /** Bumped by every reconnect: a stream state read before it may predate a restart of the server. */
  let generation = 0
  let refreshing = false

  const refresh = async () => {
    if (refreshing) return
    refreshing = true
    try {
      while (!queue.nc.isClosed()) {
        const asked = generation
        const askedAt = Date.now()
        try {
          const { state } = await (await queue.nc.jetstreamManager()).streams.info(stream)
          if (asked !== generation) continue
          suspectUpTo = Math.max(suspectUpTo, state.last_seq)
          const lastMs = Date.parse(state.last_ts)
          if (state.last_seq > 0 && lastMs > 0) retryHorizonMs = Math.max(retryHorizonMs, lastMs + duplicateWindowMs + skewMs)
          else suspectUntil = Math.max(suspectUntil, askedAt + duplicateWindowMs)
          unsure = false
          logger.debug({ stream, suspectUpTo, retryHorizonMs, suspectUntil }, 'messages that may have been written before are checked against ClickHouse before writing')
          return
        } catch {
          await Bun.sleep(RETRY_MS)
        }
      }
    } finally {
      refreshing = false
    }
  }
  void refresh()
  queue.onLinkChange((up) => {
    unsure = true
    if (!up) return
    generation++
    void refresh()
  })

  // Written so that an unknown or unreadable time (undefined, NaN) makes the message suspect.
  const storedAfterHorizon = (m: QueuedMessage) => m.publishedMs !== undefined && m.publishedMs >= retryHorizonMs
  const suspect = (m: QueuedMessage) => unsure || m.seq <= suspectUpTo || !storedAfterHorizon(m) || Date.now() < suspectUntil
  const mark = (m: QueuedMessage): QueuedMessage => (m.redelivered || !suspect(m) ? m : { ...m, redelivered: true })
  // Everything but the marking passes through untouched: the pull budget bounds the batcher's memory.
  return {
    run: (onMessage, budget) => inner.run((m) => onMessage(mark(m)), budget),
    stop: () => inner.stop(),
    handBackDelayMs: inner.handBackDelayMs ? () => inner.handBackDelayMs!() : undefined,
    lag: () => inner.lag(),
  }
}
