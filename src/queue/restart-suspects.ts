// After a nats-server restart JetStream can hand the batcher, as new, events that are already in
// ClickHouse, in two ways measured here on nats-server 2.9 (test/integration/crash-restart.test.ts,
// supervision.test.ts):
// - acknowledgements are lost when the server is killed: messages acknowledged with ackAck came back
//   after SIGKILL and restart with redeliveryCount 1, so `redelivered` is false;
// - the duplicate window forgets consumed messages: after a restart it is rebuilt from the messages
//   still stored, and a workqueue stream removes each message once acknowledged, so a client's retry
//   (same Idempotency-Key) of a request already written is stored again as a new message.
// The batcher checks ClickHouse before writing only the messages marked redelivered; this marks
// every message that was in the stream when this process started or reconnected to NATS, and every
// message delivered within one duplicate window after that.
import { Events, type NatsConnection } from 'nats'
import type { Logger } from '../log'
import type { EventConsumer, QueuedMessage } from './types'

const RETRY_MS = 500

export function markRestartSuspects(inner: EventConsumer, nc: NatsConnection, cfg: { stream: string; duplicateWindowMs: number }, logger: Logger): EventConsumer {
  const { stream } = cfg
  /** True until the stream's last sequence is known again (at start, and after every disconnect): everything is suspect. */
  let unsure = true
  /** Messages up to this stream sequence may have been written before. */
  let suspectUpTo = 0
  let refreshing = false
  /** Until then, a retry of something written before the restart may arrive as a new message. */
  let suspectUntil = Date.now() + cfg.duplicateWindowMs

  const refresh = async () => {
    if (refreshing) return
    refreshing = true
    try {
      while (!nc.isClosed()) {
        try {
          const info = await (await nc.jetstreamManager()).streams.info(stream)
          suspectUpTo = Math.max(suspectUpTo, info.state.last_seq)
          unsure = false
          logger.debug({ stream, suspectUpTo }, 'messages up to this sequence are checked against ClickHouse before writing')
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
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) unsure = true
      else if (s.type === Events.Reconnect) {
        suspectUntil = Date.now() + cfg.duplicateWindowMs
        void refresh()
      }
    }
  })().catch(() => {})

  const suspect = (m: QueuedMessage) => unsure || m.seq <= suspectUpTo || Date.now() < suspectUntil
  const mark = (m: QueuedMessage): QueuedMessage => (m.redelivered || !suspect(m) ? m : { ...m, redelivered: true })
  // Everything but the marking passes through untouched: the pull budget bounds the batcher's memory.
  return {
    run: (onMessage, budget) => inner.run((m) => onMessage(mark(m)), budget),
    stop: () => inner.stop(),
    handBackDelayMs: inner.handBackDelayMs ? () => inner.handBackDelayMs!() : undefined,
    lag: () => inner.lag(),
  }
}
