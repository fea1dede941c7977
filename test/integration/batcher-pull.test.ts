// Pulling from JetStream through the real consumer and batcher: no message size can stall the
// pull, in any order, and batchers sharing the one durable consumer write every event once.
import { afterEach, describe, expect, test } from 'bun:test'
import { connect } from 'nats'
import pino from 'pino'
import { DEFAULT_CONSUMER_NAME } from '../../src/queue/consumer'
import { message, startRig, STREAM, type Rig } from '../support/batcher-rig'
import { until } from '../support/wait'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

describe('pulling messages of any size', () => {
  test('many small messages, then a 200 KB event in another dataset, then a small one: all land', async () => {
    rig = await startRig()
    rig.batcher()
    for (let i = 0; i < 500; i++) await rig.publish([message('tiny', `t${i}`, 1)])
    await rig.publish([message('big', 'b0', 1, 200 * 1024)])
    await rig.publish([message('tiny', 't500', 1)])
    expect(await rig.settle('big', 1, 15_000)).toEqual({ rows: 1, ids: 1 })
    expect(await rig.settle('tiny', 501, 15_000)).toEqual({ rows: 501, ids: 501 })
  }, 40_000)

  test('large events first, then many small requests: all land', async () => {
    rig = await startRig()
    rig.batcher()
    // Four messages of four 250 KB events each (about 1 MiB, the largest a message gets), then tiny ones.
    for (let i = 0; i < 4; i++) await rig.publish([message('large', `l${i}`, 4, 250 * 1024)])
    for (let i = 0; i < 300; i++) await rig.publish([message('small', `s${i}`, 1)])
    expect(await rig.settle('large', 16, 15_000)).toEqual({ rows: 16, ids: 16 })
    expect(await rig.settle('small', 300, 15_000)).toEqual({ rows: 300, ids: 300 })
  }, 40_000)

  test('many small requests, then many large events interleaved with small ones, one dataset', async () => {
    rig = await startRig()
    rig.batcher({ batch: { maxBytes: 2 * 1024 * 1024, maxHeldBytes: 4 * 1024 * 1024 } })
    const sends = []
    for (let i = 0; i < 400; i++) sends.push(message('mixed', `a${i}`, 1 + (i % 3)))
    for (let i = 0; i < 20; i++) sends.push(message('mixed', `b${i}`, 1, 200 * 1024 + i * 1000), message('mixed', `c${i}`, 2))
    let events = 0
    for (const chunk of sends) {
      events += chunk.events
      await rig.publish([chunk])
    }
    expect(await rig.settle('mixed', events, 20_000)).toEqual({ rows: events, ids: events })
  }, 40_000)

  test('a pull the server refuses is logged and retried at a slow pace, not spun on', async () => {
    rig = await startRig()
    const lines: string[] = []
    let refusedAt: number | undefined
    const log = pino({ level: 'warn' }, {
      write: (line: string) => {
        lines.push(line)
        if (line.includes('JetStream refused a pull')) refusedAt ??= Date.now()
      },
    })
    rig.batcher({ log })
    await rig.publish([message('refused', 'r0', 1)])
    expect(await rig.settle('refused', 1, 10_000)).toEqual({ rows: 1, ids: 1 })
    // The operator caps pulls at 5 messages: the batcher's larger pulls are now refused (409).
    const jsm = await rig.nc.jetstreamManager()
    const info = await jsm.consumers.info(STREAM, DEFAULT_CONSUMER_NAME)
    await jsm.consumers.update(STREAM, DEFAULT_CONSUMER_NAME, { ...info.config, max_batch: 5 })
    // When each pull request the consumer sends arrives, seen from a second connection.
    const spy = await connect({ servers: rig.nats.url })
    const pulls: number[] = []
    spy.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${STREAM}.${DEFAULT_CONSUMER_NAME}`, { callback: () => void pulls.push(Date.now()) })
    await spy.flush()
    await until(() => refusedAt !== undefined, 15_000, 'the refusal to be logged')
    expect(lines.find((l) => l.includes('refused'))).toContain('409')
    // The next pull waits out a pause (RETRY_MS, 1 s) rather than following the refusal at once.
    // (The refused pull itself may reach the spy a moment after the refusal was logged.)
    const next = () => pulls.find((at) => at > refusedAt! + 150)
    await until(() => next() !== undefined, 10_000, 'the pull after the refusal')
    expect(next()! - refusedAt!).toBeGreaterThanOrEqual(500)
    // It adapts to the consumer's limit and goes on delivering.
    await rig.publish([message('refused', 'r1', 1)])
    expect(await rig.settle('refused', 2, 10_000)).toEqual({ rows: 2, ids: 2 })
    await spy.close()
  }, 30_000)
})

describe('the durable consumer', () => {
  test('deleted under a running batcher, it is re-created and delivery goes on', async () => {
    rig = await startRig()
    rig.batcher()
    await rig.publish([message('recreated', 'a', 5)])
    expect(await rig.settle('recreated', 5, 10_000)).toEqual({ rows: 5, ids: 5 })
    await (await rig.nc.jetstreamManager()).consumers.delete(STREAM, DEFAULT_CONSUMER_NAME)
    await rig.publish([message('recreated', 'b', 5)])
    expect(await rig.settle('recreated', 10, 20_000)).toEqual({ rows: 10, ids: 10 })
  }, 40_000)
})

describe('batchers sharing the one durable consumer', () => {
  test('two batchers on one stream write every event exactly once', async () => {
    rig = await startRig()
    const a = rig.batcher({ batch: { maxEvents: 500 } })
    const b = rig.batcher({ batch: { maxEvents: 500 } })
    let events = 0
    const publishing = []
    for (let i = 0; i < 300; i++) {
      const chunk = message(i % 2 === 0 ? 'shared' : 'shared2', `m${i}`, 1 + (i % 40), 60 + (i % 7) * 100)
      events += chunk.events
      publishing.push(rig.publish([chunk]))
      if (publishing.length >= 16) await Promise.all(publishing.splice(0))
    }
    await Promise.all(publishing)
    const want = { shared: 0, shared2: 0 }
    for (let i = 0; i < 300; i++) want[i % 2 === 0 ? 'shared' : 'shared2'] += 1 + (i % 40)
    expect(await rig.settle('shared', want.shared)).toEqual({ rows: want.shared, ids: want.shared })
    expect(await rig.settle('shared2', want.shared2)).toEqual({ rows: want.shared2, ids: want.shared2 })
    expect(want.shared + want.shared2).toBe(events)
    // Both took part.
    expect(a.stats().batches).toBeGreaterThan(0)
    expect(b.stats().batches).toBeGreaterThan(0)
  }, 40_000)

  test('one of two batchers is cut short mid-load (stop with an expired deadline): every event still lands once', async () => {
    rig = await startRig()
    const a = rig.batcher({ batch: { maxEvents: 300 } })
    rig.batcher({ batch: { maxEvents: 300 } })
    let events = 0
    for (let i = 0; i < 200; i++) {
      const chunk = message('cut', `c${i}`, 1 + (i % 25), 200)
      events += chunk.events
      await rig.publish([chunk])
      if (i === 80) void a.stop(AbortSignal.abort())
    }
    expect(await rig.settle('cut', events, 20_000)).toEqual({ rows: events, ids: events })
  }, 40_000)
})
