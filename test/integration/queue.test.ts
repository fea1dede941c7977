// The queue's guarantees against a real nats-server: stream set-up, publish, consume, outages.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection } from 'nats'
import pino from 'pino'
import type { Config } from '../../src/config'
import { startNatsServer } from '../../src/embedded/nats-server'
import { QueueUnavailableError } from '../../src/errors'
import { quietLogger } from '../../src/log'
import { createEventConsumer } from '../../src/queue/consumer'
import { FORMAT_V1, SUBJECT_WILDCARD } from '../../src/queue/message-format'
import { createEventPublisher } from '../../src/queue/publisher'
import { ensureStream, STREAM_MAX_MSG_BYTES } from '../../src/queue/stream'
import type { OutgoingChunk, QueuedMessage } from '../../src/queue/types'
import { startTestNats, type TestNats, queueOf, connectNats } from '../support/nats'
import { alive } from '../support/processes'
import { until, within } from '../support/wait'

const natsConfig = (stream: string, over: Partial<Config['nats']> = {}): Config['nats'] => ({
  stream,
  replicas: 1,
  maxBytes: -1,
  maxAgeMs: 3_600_000,
  duplicateWindowMs: 60_000,
  ...over,
})

const enc = new TextEncoder()
const chunk = (dataset: string, i: number, size = 0): OutgoingChunk => ({
  dataset,
  body: enc.encode(`{"_id":"id-${i}","_raw":${JSON.stringify('x'.repeat(size))}}\n`),
  events: 1,
  lastId: `id-${i}`,
  msgId: `${dataset}-${i}`,
})

/** Publishes until JetStream acks (after a restart the client needs a moment to reconnect). */
async function publishEventually(publish: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await publish()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await Bun.sleep(200)
    }
  }
}

describe('queue on one nats-server', () => {
  let nats: TestNats
  let nc: NatsConnection
  let jsm: JetStreamManager

  beforeAll(async () => {
    nats = await startTestNats()
    nc = await connectNats(nats.url, quietLogger)
    jsm = await nc.jetstreamManager()
  })
  afterAll(async () => {
    await nc?.close()
    await nats?.stop()
  })

  /** Every stream takes the same subjects (sluice.events.*), so one test's stream must go first. */
  const freshStream = async (stream: string, over: Partial<Config['nats']> = {}) => {
    for await (const name of jsm.streams.names()) await jsm.streams.delete(name)
    return ensureStream(jsm, natsConfig(stream, over))
  }

  test('creates the stream once and updates it in place when the configuration changes', async () => {
    const first = await freshStream('S_IDEMPOTENT', { maxAgeMs: 3_600_000 })
    expect(first.config.subjects).toEqual([SUBJECT_WILDCARD])
    expect(first.config.retention).toBe(RetentionPolicy.Workqueue)
    expect(first.config.discard).toBe(DiscardPolicy.New)
    expect(first.config.storage).toBe(StorageType.File)
    expect(first.config.max_msg_size).toBe(STREAM_MAX_MSG_BYTES)
    expect(first.config.max_age).toBe(nanos(3_600_000))
    expect(first.config.duplicate_window).toBe(nanos(60_000))

    const again = await ensureStream(jsm, natsConfig('S_IDEMPOTENT', { maxAgeMs: 3_600_000 }))
    expect(again.created).toEqual(first.created)
    const changed = await ensureStream(jsm, natsConfig('S_IDEMPOTENT', { maxAgeMs: 7_200_000, maxBytes: 1 << 30 }))
    expect(changed.config.max_age).toBe(nanos(7_200_000))
    expect(changed.config.max_bytes).toBe(1 << 30)
    // A duplicate window longer than max_age is refused by the server, so it is clamped.
    const short = await ensureStream(jsm, natsConfig('S_IDEMPOTENT', { maxAgeMs: 30_000, duplicateWindowMs: 60_000 }))
    expect(short.config.duplicate_window).toBe(nanos(30_000))
  })

  test('delivers every chunk of a parallel publish once, with its headers and body', async () => {
    const stream = 'S_ROUNDTRIP'
    await freshStream(stream)
    const publisher = createEventPublisher(queueOf(nc), { stream })
    const chunks = Array.from({ length: 60 }, (_, i) => chunk(['logs', 'traces', 'metrics-1'][i % 3]!, i, i * 100))
    await publisher.publish(chunks)

    const consumer = createEventConsumer(queueOf(nc), { stream, ackWaitMs: 30_000, logger: quietLogger })
    const got: QueuedMessage[] = []
    const running = consumer.run((m) => {
      got.push(m)
      m.ack()
    })
    await until(() => got.length >= chunks.length, 10_000, 'all chunks')
    const byId = new Map(got.map((m) => [m.lastId, m]))
    expect(byId.size).toBe(chunks.length)
    for (const c of chunks) {
      const m = byId.get(c.lastId)!
      expect(m.dataset).toBe(c.dataset)
      expect(m.events).toBe(c.events)
      expect(m.format).toBe(FORMAT_V1)
      expect(m.redelivered).toBe(false)
      expect(new TextDecoder().decode(m.body)).toBe(new TextDecoder().decode(c.body))
    }
    // Workqueue retention: acked messages leave the stream, so the lag drains to zero.
    await until(async () => (await consumer.lag()) === 0, 5000, 'lag 0')
    await until(async () => (await jsm.streams.info(stream)).state.messages === 0, 5000, 'empty stream')
    await consumer.stop()
    await running
  })

  test('an idempotent retry with the same msgIds lands only once', async () => {
    const stream = 'S_DEDUP'
    await freshStream(stream)
    const publisher = createEventPublisher(queueOf(nc), { stream })
    const chunks = Array.from({ length: 5 }, (_, i) => chunk('logs', i))
    await publisher.publish(chunks)
    await publisher.publish(chunks) // duplicate PubAcks count as success
    await publisher.publish([...chunks, chunk('logs', 5)])
    expect((await jsm.streams.info(stream)).state.messages).toBe(6)
  })

  test('redelivers an unacked message with redelivered=true after ack_wait', async () => {
    const stream = 'S_REDELIVER'
    await freshStream(stream)
    await createEventPublisher(queueOf(nc), { stream }).publish([chunk('logs', 1)])
    const consumer = createEventConsumer(queueOf(nc), { stream, ackWaitMs: 1000, logger: quietLogger })
    const seen: QueuedMessage[] = []
    const started = Date.now()
    const running = consumer.run((m) => {
      seen.push(m)
      if (m.redelivered) m.ack() // the first delivery is "lost": never settled
    })
    await until(() => seen.length >= 2, 10_000, 'redelivery')
    expect(seen[0]!.redelivered).toBe(false)
    expect(seen[1]!.redelivered).toBe(true)
    expect(seen[1]!.seq).toBe(seen[0]!.seq)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    await consumer.stop()
    await running
  })

  test('a full stream (max_bytes reached) refuses publishes with QueueUnavailableError', async () => {
    const stream = 'S_FULL'
    await freshStream(stream, { maxBytes: 8 * 1024 })
    const publisher = createEventPublisher(queueOf(nc), { stream })
    let refused: unknown
    for (let i = 0; i < 20 && refused === undefined; i++) {
      await publisher.publish([chunk('logs', i, 1024)]).catch((err) => (refused = err))
    }
    expect(refused).toBeInstanceOf(QueueUnavailableError)
    expect((refused as Error).message).toMatch(/maximum bytes/i)
  })

  test('the consumer never has more bytes out than its budget allows, and pulls again as room frees', async () => {
    const stream = 'S_BUDGET'
    await freshStream(stream)
    await createEventPublisher(queueOf(nc), { stream }).publish(Array.from({ length: 10 }, (_, i) => chunk('logs', i, 900 * 1024)))
    const got: QueuedMessage[] = []
    let held = 0
    let wake: (() => void) | undefined
    /** Times the consumer stopped to wait for room rather than pull. */
    let waits = 0
    const budget = {
      room: () => 3 * STREAM_MAX_MSG_BYTES + 1000 - held,
      roomFreed: () => new Promise<void>((resolve) => ((wake = resolve), waits++)),
    }
    const consumer = createEventConsumer(queueOf(nc), { stream, ackWaitMs: 30_000, logger: quietLogger })
    const running = consumer.run((m) => {
      got.push(m)
      held += m.body.length
    }, budget)
    await until(() => got.length === 3, 5000, 'the first three')
    // A fourth 900 KB message would not fit: the consumer waits for room instead of pulling it.
    await until(() => waits === 1, 5000, 'the consumer to wait for room')
    expect(got.length).toBe(3)
    got[0]!.ack()
    held -= got[0]!.body.length
    wake?.()
    await until(() => got.length === 4, 5000, 'one more after room freed')
    await until(() => waits === 2, 5000, 'the consumer to wait for room again')
    expect(got.length).toBe(4)
    await consumer.stop()
    await running
  })

  test('the consumer stops pulling when asked and run() resolves', async () => {
    const stream = 'S_STOP'
    await freshStream(stream)
    const consumer = createEventConsumer(queueOf(nc), { stream, ackWaitMs: 30_000, logger: quietLogger })
    const running = consumer.run(() => {})
    await Bun.sleep(300)
    await consumer.stop()
    expect(await within(running.then(() => 'resolved'), 1000)).toBe('resolved')
  })
})

describe('queue across NATS outages', () => {
  test('publish fails fast with QueueUnavailableError while NATS is down and works again after restart', async () => {
    const nats = await startTestNats()
    const nc = await connectNats(nats.url, quietLogger)
    try {
      const stream = 'S_OUTAGE'
      await ensureStream(await nc.jetstreamManager(), natsConfig(stream))
      const publisher = createEventPublisher(queueOf(nc), { stream })
      await publisher.publish([chunk('logs', 0)])

      // A crash: the publish may start before the client has even noticed the loss.
      nats.kill()
      for (const i of [1, 2]) {
        const started = Date.now()
        const err = await publisher.publish([chunk('logs', i), chunk('logs', i + 100)]).catch((e) => e)
        expect(err).toBeInstanceOf(QueueUnavailableError)
        expect(Date.now() - started).toBeLessThan(6000)
      }

      await nats.restart()
      await publishEventually(() => publisher.publish([chunk('logs', 3)]))
      const info = await (await nc.jetstreamManager()).streams.info(stream)
      expect(info.state.messages).toBeGreaterThanOrEqual(2) // the file store kept event 0
    } finally {
      await nc.close()
      await nats.stop()
    }
  })

  test('the consumer keeps delivering after NATS restarts', async () => {
    const nats = await startTestNats()
    const nc = await connectNats(nats.url, quietLogger)
    const stream = 'S_RESTART'
    const consumer = createEventConsumer(queueOf(nc), { stream, ackWaitMs: 5000, logger: quietLogger })
    try {
      await ensureStream(await nc.jetstreamManager(), natsConfig(stream))
      const publisher = createEventPublisher(queueOf(nc), { stream })
      const got = new Set<string>()
      const running = consumer.run((m) => {
        got.add(m.lastId)
        m.ack()
      })
      await publisher.publish([chunk('logs', 1), chunk('logs', 2)])
      await until(() => got.size === 2, 10_000, 'deliveries before restart')

      await nats.restart()
      await publishEventually(() => publisher.publish([chunk('logs', 3), chunk('logs', 4)]))
      await until(() => got.has('id-3') && got.has('id-4'), 30_000, 'deliveries after restart')

      await consumer.stop()
      await running
    } finally {
      await consumer.stop()
      await nc.close()
      await nats.stop()
    }
  }, 60_000)
})

describe('embedded nats-server lifecycle', () => {
  test('kill() leaves no nats-server process behind', async () => {
    const nats = await startTestNats()
    const pid = nats.pid!
    expect(alive(pid)).toBe(true)
    nats.kill()
    await nats.stop()
    await until(() => !alive(pid), 2000, 'nats-server to exit')
  })

  test('the server dies with the process that started it, even when that process is SIGKILLed', async () => {
    const script = `
      import { startNatsServer } from ${JSON.stringify(`${import.meta.dir}/../../src/embedded/nats-server.ts`)}
      import { quietLogger } from ${JSON.stringify(`${import.meta.dir}/../../src/log.ts`)}
      const h = await startNatsServer({ storeDir: process.argv[2], logger: quietLogger })
      console.log(h.pid)
      setInterval(() => {}, 1000)
    `
    const dir = mkdtempSync(join(tmpdir(), 'sluice-orphan-'))
    await Bun.write(`${dir}/parent.ts`, script)
    const parent = Bun.spawn([process.execPath, `${dir}/parent.ts`, `${dir}/store`], { stdout: 'pipe', stderr: 'inherit' })
    const reader = parent.stdout.getReader()
    const { value } = await reader.read()
    const serverPid = Number(new TextDecoder().decode(value).trim())
    expect(alive(serverPid)).toBe(true)
    parent.kill('SIGKILL')
    await parent.exited
    await until(() => !alive(serverPid), 8000, 'orphaned nats-server to die')
    rmSync(dir, { recursive: true, force: true })
  })

  test('a server that cannot start is reported with the tail of its own output', async () => {
    const blocker = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => blocker.once('listening', resolve))
    const port = (blocker.address() as AddressInfo).port
    const dir = mkdtempSync(join(tmpdir(), 'sluice-busy-'))
    try {
      const err = await startNatsServer({ storeDir: dir, port, logger: pino({ level: 'silent' }) }).catch((e) => e)
      if (!(err instanceof Error)) await err.stop() // it must not have started, but never leak one
      expect(err).toBeInstanceOf(Error)
      expect(err.message).toMatch(/exited with code/)
      expect(err.message).toMatch(/address already in use/)
    } finally {
      blocker.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
