// The restart-suspect marking wraps the batcher's consumer: it must mark what may have been written
// before a restart, and pass everything else through untouched (the pull budget is what bounds the
// batcher's memory; dropping it once let a batcher pull without limit).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { AckPolicy, connect, type NatsConnection } from 'nats'
import { toQueuedMessage } from '../../src/queue/consumer'
import { quietLogger } from '../../src/log'
import { markRestartSuspects } from '../../src/queue/restart-suspects'
import { ensureStream } from '../../src/queue/stream'
import type { EventConsumer, PullBudget, QueuedMessage } from '../../src/queue/types'
import { loadConfig } from '../../src/config'
import { startTestNats, type TestNats, queueOf } from '../support/nats'
import { until } from '../support/wait'

let nats: TestNats
let nc: NatsConnection
const stream = 'SUSPECTS'
beforeAll(async () => {
  nats = await startTestNats()
  nc = await connect({ servers: nats.url })
  await ensureStream(await nc.jetstreamManager(), { ...loadConfig({}).nats, stream })
  const js = nc.jetstream()
  for (let i = 0; i < 3; i++) await js.publish(`sluice.events.d`, new Uint8Array([123, 125]))
})
afterAll(async () => {
  await nc?.close()
  await nats?.stop()
})

const message = (seq: number, publishedMs: number | undefined = Date.now()): QueuedMessage => ({
  dataset: 'd', body: new Uint8Array(), events: 1, lastId: '', seq, publishedMs, redelivered: false, format: 'ndjson-v1',
  ack() {}, nak() {}, term() {}, working() {},
})

/** An inner consumer that records what it was given and delivers the messages the test hands it. */
function recordingConsumer() {
  const seen: { budget?: PullBudget } = {}
  let deliver: ((m: QueuedMessage) => void) | undefined
  const inner: EventConsumer = {
    run(onMessage, budget) {
      seen.budget = budget
      deliver = onMessage
      return new Promise(() => {})
    },
    stop: async () => {},
    handBackDelayMs: () => 1234,
    lag: async () => 7,
  }
  return { inner, seen, deliver: (m: QueuedMessage) => deliver!(m) }
}

describe('restart suspects', () => {
  test('pass the pull budget and the hand-back delay through to the consumer they wrap', async () => {
    const { inner, seen } = recordingConsumer()
    const wrapped = markRestartSuspects(inner, queueOf(nc), { stream, duplicateWindowMs: 0 }, quietLogger)
    const budget: PullBudget = { room: () => 1, roomFreed: async () => {} }
    void wrapped.run(() => {}, budget)
    expect(seen.budget).toBe(budget)
    expect(wrapped.handBackDelayMs?.()).toBe(1234)
    expect(await wrapped.lag()).toBe(7)
  })

  test('mark messages stored before the start as redelivered, and later ones not once the window is over', async () => {
    const { inner, deliver } = recordingConsumer()
    const wrapped = markRestartSuspects(inner, queueOf(nc), { stream, duplicateWindowMs: 0, clockSkewMs: 0 }, quietLogger)
    const got: QueuedMessage[] = []
    void wrapped.run((m) => got.push(m))
    // Until the stream's last sequence is known, everything is suspect.
    for (let i = 0; i < 100 && got.length === 0; i++) {
      await Bun.sleep(20)
      deliver(message(2))
    }
    expect(got.every((m) => m.redelivered)).toBe(true)
    await Bun.sleep(300)
    got.length = 0
    deliver(message(3))
    deliver(message(4))
    expect(got.map((m) => m.redelivered)).toEqual([true, false])
  })

  /** Delivers `messages` through a fresh marking once it knows the stream's state; which were marked. */
  async function marked(cfg: { stream: string; duplicateWindowMs: number; clockSkewMs?: number }, messages: QueuedMessage[]): Promise<boolean[]> {
    const { inner, deliver } = recordingConsumer()
    const wrapped = markRestartSuspects(inner, queueOf(nc), { clockSkewMs: 0, ...cfg }, quietLogger)
    const got: QueuedMessage[] = []
    void wrapped.run((m) => got.push(m))
    await Bun.sleep(300) // the stream's state is read
    for (const m of messages) deliver(m)
    return got.map((m) => m.redelivered)
  }

  test('mark new messages stored within one duplicate window of the last one before the start, and no later ones', async () => {
    const last = (await (await nc.jetstreamManager()).streams.info(stream)).state
    const lastMs = Date.parse(last.last_ts)
    const windowMs = 60_000
    const got = await marked({ stream, duplicateWindowMs: windowMs }, [
      message(last.last_seq + 10, lastMs + windowMs - 1), // may be a retry JetStream no longer recognised
      message(last.last_seq + 11, lastMs + windowMs + 1), // a retry this late is stored again even without a restart
      message(last.last_seq + 12, undefined), // no time known: suspect
      message(last.last_seq + 14, Number.NaN), // nor a time that is no number
      message(last.last_seq, lastMs + 10 * windowMs), // was in the stream at the start
    ])
    expect(got).toEqual([true, false, true, true, true])
    // Cluster nodes' clocks may differ: the allowance widens the window.
    expect(await marked({ stream, duplicateWindowMs: windowMs, clockSkewMs: 5000 }, [message(last.last_seq + 13, lastMs + windowMs + 1)])).toEqual([true])
  })

  test('a stream idle for longer than the window before the start has no suspects but what it still holds', async () => {
    const last = (await (await nc.jetstreamManager()).streams.info(stream)).state
    const windowMs = 200
    // Idle for a window: every message published from now on is more than a window after the stream's last one.
    await until(() => Date.now() > Date.parse(last.last_ts) + windowMs, 5000, 'the stream to be idle for one window')
    expect(await marked({ stream, duplicateWindowMs: windowMs }, [message(last.last_seq + 1), message(last.last_seq + 2)])).toEqual([false, false])
  })

  test('a stream without history (new, or its store wiped) makes every message suspect for one window after the start', async () => {
    const fresh = 'SUSPECTS_FRESH'
    await (await nc.jetstreamManager()).streams.add({ name: fresh, subjects: ['fresh.>'] })
    expect(await marked({ stream: fresh, duplicateWindowMs: 60_000 }, [message(1), message(2, Date.now() + 120_000)])).toEqual([true, true])
    expect(await marked({ stream: fresh, duplicateWindowMs: 1 }, [message(1)])).toEqual([false])
  })

  test('after a nats-server crash, a retry that JetStream stores again is marked, by the time JetStream stamped on it', async () => {
    const own = await startTestNats()
    const c = await connect({ servers: own.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
    try {
      const jsm = await c.jetstreamManager()
      await ensureStream(jsm, { ...loadConfig({}).nats, stream })
      await jsm.consumers.add(stream, { durable_name: 'check', ack_policy: AckPolicy.Explicit })
      const js = c.jetstream()
      const take = async () => {
        for await (const m of await (await js.consumers.get(stream, 'check')).fetch({ max_messages: 1, expires: 2000 })) {
          await m.ackAck()
          return toQueuedMessage(m)
        }
        throw new Error('no message')
      }
      await js.publish('sluice.events.d', new Uint8Array([123, 125]), { msgID: 'req:0-0' })
      const first = await take() // written and acknowledged: a workqueue stream removes it
      expect(Math.abs(first.publishedMs! - Date.now())).toBeLessThan(5000)
      own.kill()
      await own.restart()
      const { inner, deliver } = recordingConsumer()
      const got: QueuedMessage[] = []
      void markRestartSuspects(inner, queueOf(c), { stream, duplicateWindowMs: 60_000, clockSkewMs: 0 }, quietLogger).run((m) => got.push(m))
      // The client's retry: the restarted server no longer knows the message id.
      let ack
      for (let i = 0; !ack && i < 50; i++) ack = await js.publish('sluice.events.d', new Uint8Array([123, 125]), { msgID: 'req:0-0', timeout: 1000 }).catch(() => Bun.sleep(200).then(() => undefined))
      expect(ack?.duplicate).toBe(false)
      const retry = await take()
      expect(retry.seq).toBeGreaterThan(first.seq)
      await Bun.sleep(300)
      deliver(retry)
      expect(got.map((m) => m.redelivered)).toEqual([true])
    } finally {
      await c.close()
      await own.stop()
    }
  }, 30_000)
})
