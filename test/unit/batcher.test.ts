// The batcher's delivery guarantees, with a fake queue (no NATS) and the real writer on the shared
// embedded ClickHouse.
import { afterEach, describe, expect, test } from 'bun:test'
import type { Config } from '../../src/config'
import { StoreUnavailableError } from '../../src/errors'
import { FORMAT_V1 } from '../../src/queue/message-format'
import type { EventConsumer, QueuedMessage } from '../../src/queue/types'
import { Batcher, tokenFor, type BatchWriter, type FlushReport } from '../../src/batch/batcher'
import { RowWriter } from '../../src/sink/row-writer'
import { TableManager } from '../../src/sink/tables'
import { testClickHouse } from '../support/clickhouse'
import { until } from '../support/wait'

const ch = testClickHouse()
const rowWriter = new RowWriter(ch.store, new TableManager(ch.store, ch.config))

class FakeMessage implements QueuedMessage {
  acked = false
  termed = false
  naks = 0
  workings = 0
  readonly body: Uint8Array
  readonly lastId: string
  constructor(
    readonly dataset: string,
    readonly seq: number,
    readonly events: number,
    readonly redelivered = false,
    readonly format = FORMAT_V1,
    readonly log?: string[],
  ) {
    const ids = Array.from({ length: events }, (_, i) => `${dataset}-${seq}-${i}`)
    this.lastId = ids[ids.length - 1]
    const raw = `{"message":"event ${seq}","requestId":"req-${seq}","pad":"${'x'.repeat(100)}"}`
    this.body = new TextEncoder().encode(ids.map((id) => `{"_timestamp":1764000000123,"_service":"svc","_namespace":"","_id":"${id}","_raw":${raw}}\n`).join(''))
  }
  redeliver(): FakeMessage {
    return new FakeMessage(this.dataset, this.seq, this.events, true, this.format, this.log)
  }
  get settled() {
    return this.acked || this.termed || this.naks > 0
  }
  ack() {
    this.acked = true
    this.log?.push(`ack:${this.seq}`)
  }
  nak() {
    this.naks++
  }
  term() {
    this.termed = true
  }
  working() {
    this.workings++
  }
}

class FakeConsumer implements EventConsumer {
  #onMessage: ((m: QueuedMessage) => void) | undefined
  #ended: (() => void) | undefined
  stopped = false
  run(onMessage: (m: QueuedMessage) => void): Promise<void> {
    this.#onMessage = onMessage
    return new Promise((resolve) => (this.#ended = resolve))
  }
  async stop() {
    this.stopped = true
    this.#ended?.()
  }
  async lag() {
    return 42
  }
  deliver(...messages: QueuedMessage[]) {
    for (const m of messages) this.#onMessage!(m)
  }
}

/** Wraps the real writer to count calls, fail on demand, or hold a write until released. */
class SpyWriter implements BatchWriter {
  writes = 0
  failuresLeft = 0
  gate: Promise<void> | undefined
  constructor(readonly log: string[] = []) {}
  sizes: { bytes: number; bodies: number }[] = []
  async write(dataset: string, bodies: Uint8Array[], token: string) {
    this.writes++
    this.sizes.push({ bytes: bodies.reduce((n, b) => n + b.length, 0), bodies: bodies.length })
    this.log.push(`write:${dataset}`)
    if (this.gate) await this.gate
    if (this.failuresLeft > 0) {
      this.failuresLeft--
      throw new StoreUnavailableError('ClickHouse is down (injected)')
    }
    const result = await rowWriter.write(dataset, bodies, token)
    this.log.push('write:confirmed')
    return result
  }
  landed(dataset: string, ids: string[]) {
    return rowWriter.landed(dataset, ids)
  }
  deadLetter(...args: Parameters<RowWriter['deadLetter']>) {
    return rowWriter.deadLetter(...args)
  }
}

const config = (over: Partial<Config['batch']> = {}): Config['batch'] => ({ maxEvents: 1000, maxBytes: 64 * 1024 * 1024, flushIntervalMs: 60_000, ackWaitMs: 60_000, maxHeldBytes: 256 * 1024 * 1024, ...over })
let seq = 0
let datasetNo = 0
const nextDataset = () => `batch_${++datasetNo}`

/** The batcher's timers are tens of ms: poll often, so a short-lived state is not missed. */
const POLL_MS = 5

async function rowsIn(dataset: string): Promise<number> {
  try {
    const r = await ch.client.query({ query: `SELECT count() AS c FROM ${ch.database}.\`${dataset}\``, format: 'JSONEachRow' })
    return Number((await r.json<{ c: string }>())[0].c)
  } catch {
    return 0
  }
}

const running: Batcher[] = []
function setup(cfg: Config['batch'], writer = new SpyWriter(), stopDeadlineMs?: number) {
  const consumer = new FakeConsumer()
  const reports: FlushReport[] = []
  const batcher = new Batcher({ consumer, writer, config: cfg, observer: { flushed: (r) => reports.push(r) }, stopDeadlineMs })
  void batcher.start()
  running.push(batcher)
  return { consumer, writer, batcher, reports }
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()))
})

describe('Batcher', () => {
  test('flushes a dataset as soon as it holds maxEvents events', async () => {
    const { consumer, writer } = setup(config({ maxEvents: 30 }))
    const ds = nextDataset()
    const msgs = [new FakeMessage(ds, ++seq, 10), new FakeMessage(ds, ++seq, 10)]
    consumer.deliver(...msgs)
    await Bun.sleep(50)
    expect(writer.writes).toBe(0)
    const last = new FakeMessage(ds, ++seq, 10)
    consumer.deliver(last)
    await until(() => last.acked, 5000, 'the last message to be acknowledged', POLL_MS)
    expect(msgs.every((m) => m.acked)).toBe(true)
    expect(await rowsIn(ds)).toBe(30)
  })

  test('flushes a dataset as soon as it holds maxBytes of rows', async () => {
    const { consumer } = setup(config({ maxBytes: 4096 }))
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 25) // about 5 KB
    expect(m.body.length).toBeGreaterThan(4096)
    consumer.deliver(m)
    await until(() => m.acked, 2000, 'the message to be acknowledged', POLL_MS)
    expect(await rowsIn(ds)).toBe(25)
  })

  test('flushes a partial batch flushIntervalMs after its first message, not before', async () => {
    const { consumer, writer } = setup(config({ flushIntervalMs: 300 }))
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 3)
    const started = Date.now()
    consumer.deliver(m)
    await Bun.sleep(150)
    expect(writer.writes).toBe(0)
    await until(() => m.acked, 5000, 'the message to be acknowledged', POLL_MS)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(await rowsIn(ds)).toBe(3)
  })

  test('groups messages by dataset into one write per dataset', async () => {
    const { consumer, writer } = setup(config({ flushIntervalMs: 50 }))
    const [a, b] = [nextDataset(), nextDataset()]
    const msgs = [new FakeMessage(a, ++seq, 2), new FakeMessage(b, ++seq, 3), new FakeMessage(a, ++seq, 4)]
    consumer.deliver(...msgs)
    await until(() => msgs.every((m) => m.acked), 5000, 'every message to be acknowledged', POLL_MS)
    expect(writer.writes).toBe(2)
    expect([await rowsIn(a), await rowsIn(b)]).toEqual([6, 3])
  })

  test('acknowledges only after ClickHouse confirmed the insert', async () => {
    const log: string[] = []
    const writer = new SpyWriter(log)
    let open!: () => void
    writer.gate = new Promise((resolve) => (open = resolve))
    const { consumer } = setup(config({ maxEvents: 5 }), writer)
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 5, false, FORMAT_V1, log)
    consumer.deliver(m)
    await until(() => writer.writes === 1, 5000, 'the first write', POLL_MS)
    await Bun.sleep(50)
    expect(m.acked).toBe(false)
    open()
    await until(() => m.acked, 5000, 'the message to be acknowledged', POLL_MS)
    expect(log).toEqual([`write:${ds}`, 'write:confirmed', `ack:${m.seq}`])
  })

  test('acknowledges a redelivered message that already landed without inserting it again', async () => {
    const { consumer, writer, reports } = setup(config({ maxEvents: 4 }))
    const ds = nextDataset()
    const first = new FakeMessage(ds, ++seq, 4)
    consumer.deliver(first)
    await until(() => first.acked, 5000, 'the first delivery to be acknowledged', POLL_MS)
    expect(await rowsIn(ds)).toBe(4)
    const again = first.redeliver()
    consumer.deliver(again)
    await until(() => again.acked, 5000, 'the redelivery to be acknowledged', POLL_MS)
    expect(writer.writes).toBe(1)
    expect(await rowsIn(ds)).toBe(4)
    expect(reports.at(-1)?.skipped).toBe(4)
  })

  test('writes a redelivered message that had not landed', async () => {
    const { consumer } = setup(config({ maxEvents: 3 }))
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 3).redeliver()
    consumer.deliver(m)
    await until(() => m.acked, 5000, 'the message to be acknowledged', POLL_MS)
    expect(await rowsIn(ds)).toBe(3)
  })

  test('keeps the batch through StoreUnavailableError and retries it, without acking in between', async () => {
    const writer = new SpyWriter()
    writer.failuresLeft = 2
    const { consumer, batcher } = setup(config({ maxEvents: 2 }), writer)
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 2)
    consumer.deliver(m)
    await until(() => writer.writes === 2, 5000, 'the second write', POLL_MS)
    expect(m.acked).toBe(false)
    expect(m.naks).toBe(0)
    expect(m.workings).toBeGreaterThan(0) // kept alive so JetStream does not redeliver meanwhile
    await until(() => m.acked, 5000, 'the message to be acknowledged', POLL_MS)
    expect(writer.writes).toBe(3)
    expect(await rowsIn(ds)).toBe(2)
    expect(batcher.stats().failedAttempts).toBe(2)
  })

  test('dead-letters a message of unknown format whole and never redelivers it', async () => {
    const { consumer, reports } = setup(config({ maxEvents: 1 }))
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 1, false, 'ndjson-v99')
    consumer.deliver(m)
    await until(() => m.termed, 5000, 'the message to be dead-lettered', POLL_MS)
    expect(m.acked).toBe(false)
    expect(await rowsIn(ds)).toBe(0)
    const r = await ch.client.query({ query: `SELECT error FROM ${ch.database}._dead_letter WHERE dataset = '${ds}'`, format: 'JSONEachRow' })
    const dead = await r.json<{ error: string }>()
    expect(dead.length).toBe(1)
    expect(dead[0].error).toContain('ndjson-v99')
    expect(reports.at(-1)?.deadLettered).toBe(1)
  })

  test('runs one flush per dataset at a time', async () => {
    const writer = new SpyWriter()
    let open!: () => void
    writer.gate = new Promise((resolve) => (open = resolve))
    const { consumer } = setup(config({ maxEvents: 1 }), writer)
    const ds = nextDataset()
    const [a, b] = [new FakeMessage(ds, ++seq, 1), new FakeMessage(ds, ++seq, 1)]
    consumer.deliver(a)
    await until(() => writer.writes === 1, 5000, 'the first write', POLL_MS)
    consumer.deliver(b)
    await Bun.sleep(50)
    expect(writer.writes).toBe(1)
    open()
    await until(() => a.acked && b.acked, 5000, 'both messages to be acknowledged', POLL_MS)
    expect(writer.writes).toBe(2)
  })

  test('stop() flushes what is pending before it resolves', async () => {
    const { consumer, batcher } = setup(config())
    const ds = nextDataset()
    const msgs = [new FakeMessage(ds, ++seq, 2), new FakeMessage(ds, ++seq, 3)]
    consumer.deliver(...msgs)
    await batcher.stop()
    expect(consumer.stopped).toBe(true)
    expect(msgs.every((m) => m.acked)).toBe(true)
    expect(await rowsIn(ds)).toBe(5)
  })

  test('stop() hands unwritten messages back to the queue when ClickHouse stays down past its deadline', async () => {
    const writer = new SpyWriter()
    writer.failuresLeft = Number.POSITIVE_INFINITY
    const { consumer, batcher } = setup(config(), writer, 300)
    const m = new FakeMessage(nextDataset(), ++seq, 1)
    consumer.deliver(m)
    const started = Date.now()
    await batcher.stop()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(m.acked).toBe(false)
    expect(m.naks).toBe(1)
  })

  test('keeps the ClickHouse dedup token stable for the same messages in any order', () => {
    const ds = nextDataset()
    const [a, b, c] = [new FakeMessage(ds, 7, 1), new FakeMessage(ds, 8, 1), new FakeMessage(ds, 70, 1)]
    expect(tokenFor([a, b, c])).toBe(tokenFor([c, a, b.redeliver()]))
    expect(tokenFor([a, b])).not.toBe(tokenFor([a, c]))
    // Not a string concatenation: 7,8 must differ from 78.
    expect(tokenFor([a, b])).not.toBe(tokenFor([new FakeMessage(ds, 78, 1)]))
  })

  test('gives messages of another stream at the same sequences another dedup token', () => {
    // A new stream starts again at sequence 1: the table must not take its batches for old ones.
    const [old, fresh] = [new FakeMessage('old-ds', 1, 1), new FakeMessage('new-ds', 1, 1)]
    expect(tokenFor([old])).not.toBe(tokenFor([fresh]))
  })

  test('reports stats and per-flush latency, and delegates lag to the consumer', async () => {
    const { consumer, batcher, reports } = setup(config({ maxEvents: 3 }))
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 3)
    consumer.deliver(m)
    await until(() => m.acked, 5000, 'the message to be acknowledged', POLL_MS)
    expect(batcher.stats()).toMatchObject({ insertedEvents: 3, deadLettered: 0, batches: 1 })
    expect(reports[0]).toMatchObject({ dataset: ds, events: 3, inserted: 3, bytes: m.body.length })
    expect(reports[0].insertMs).toBeGreaterThan(0)
    expect(await batcher.lag()).toBe(42)
  })

  test('never puts more than maxBytes or maxEvents in one insert, even for a backlog that piled up', async () => {
    const writer = new SpyWriter()
    let open!: () => void
    writer.gate = new Promise((resolve) => (open = resolve))
    const one = new FakeMessage('x', 0, 10).body.length
    const { consumer } = setup(config({ maxEvents: 35, maxBytes: one * 3 + 10, flushIntervalMs: 20 }), writer)
    const ds = nextDataset()
    const first = new FakeMessage(ds, ++seq, 10)
    consumer.deliver(first)
    await until(() => writer.writes === 1, 5000, 'the first write', POLL_MS)
    // While the first insert hangs, 20 more messages pile up.
    const backlog = Array.from({ length: 20 }, (_, i) => new FakeMessage(ds, ++seq, i % 2 === 0 ? 10 : 5))
    consumer.deliver(...backlog)
    open()
    await until(() => backlog.every((m) => m.acked), 5000, 'the backlog to be acknowledged', POLL_MS)
    for (const size of writer.sizes.slice(1)) expect(size.bytes).toBeLessThanOrEqual(one * 3 + 10)
    expect(writer.sizes.length).toBeGreaterThan(6)
    expect(await rowsIn(ds)).toBe(10 + backlog.reduce((n, m) => n + m.events, 0))
  })

  test('a single message larger than maxBytes still goes out, alone', async () => {
    const { consumer, writer } = setup(config({ maxBytes: 1024, flushIntervalMs: 50 }))
    const ds = nextDataset()
    const big = new FakeMessage(ds, ++seq, 20)
    const small = new FakeMessage(ds, ++seq, 1)
    consumer.deliver(big, small)
    await until(() => big.acked && small.acked, 5000, 'both messages to be acknowledged', POLL_MS)
    expect(writer.sizes.map((s) => s.bodies)).toEqual([1, 1])
  })

  test('counts the bytes it holds, waiting and being written, and frees them as messages settle', async () => {
    const writer = new SpyWriter()
    let open!: () => void
    writer.gate = new Promise((resolve) => (open = resolve))
    const { consumer, batcher } = setup(config({ maxEvents: 2 }), writer)
    const ds = nextDataset()
    const msgs = [new FakeMessage(ds, ++seq, 2), new FakeMessage(ds, ++seq, 1)]
    consumer.deliver(...msgs)
    await until(() => writer.writes === 1, 5000, 'the first write', POLL_MS)
    expect(batcher.stats().heldBytes).toBe(msgs[0].body.length + msgs[1].body.length)
    open()
    await until(() => msgs[0].acked, 5000, 'the first message to be acknowledged', POLL_MS)
    await batcher.stop()
    expect(batcher.stats().heldBytes).toBe(0)
    expect(batcher.stats().peakHeldBytes).toBe(msgs[0].body.length + msgs[1].body.length)
  })

  test('a redelivery of a message it still holds is not written again, and is settled with it', async () => {
    const writer = new SpyWriter()
    let open!: () => void
    writer.gate = new Promise((resolve) => (open = resolve))
    const { consumer } = setup(config({ maxEvents: 3 }), writer)
    const ds = nextDataset()
    const m = new FakeMessage(ds, ++seq, 3)
    consumer.deliver(m)
    await until(() => writer.writes === 1, 5000, 'the first write', POLL_MS)
    const again = m.redeliver() // the ack deadline lapsed while the insert ran
    consumer.deliver(again)
    open()
    await until(() => m.acked && again.acked, 5000, 'the message and its redelivery to be acknowledged', POLL_MS)
    await Bun.sleep(50)
    expect(writer.writes).toBe(1)
    expect(await rowsIn(ds)).toBe(3)
  })
})
