// The restart-suspect marking wraps the batcher's consumer: it must mark what may have been written
// before a restart, and pass everything else through untouched (the pull budget is what bounds the
// batcher's memory; dropping it once let a batcher pull without limit).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type NatsConnection } from 'nats'
import { quietLogger } from '../../src/log'
import { markRestartSuspects } from '../../src/queue/restart-suspects'
import { ensureStream } from '../../src/queue/stream'
import type { EventConsumer, PullBudget, QueuedMessage } from '../../src/queue/types'
import { loadConfig } from '../../src/config'
import { startTestNats, type TestNats } from '../support/nats'

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

const message = (seq: number): QueuedMessage => ({
  dataset: 'd', body: new Uint8Array(), events: 1, lastId: '', seq, redelivered: false, format: 'ndjson-v1',
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
    const wrapped = markRestartSuspects(inner, nc, { stream, duplicateWindowMs: 0 }, quietLogger)
    const budget: PullBudget = { room: () => 1, roomFreed: async () => {} }
    void wrapped.run(() => {}, budget)
    expect(seen.budget).toBe(budget)
    expect(wrapped.handBackDelayMs?.()).toBe(1234)
    expect(await wrapped.lag()).toBe(7)
  })

  test('mark messages stored before the start as redelivered, and later ones not once the window is over', async () => {
    const { inner, deliver } = recordingConsumer()
    const wrapped = markRestartSuspects(inner, nc, { stream, duplicateWindowMs: 0 }, quietLogger)
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
})
