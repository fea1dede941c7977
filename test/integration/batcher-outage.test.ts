// ClickHouse failing for a long stretch under load: the batcher holds a bounded number of bytes
// (it stops pulling; the backlog waits in JetStream), and once ClickHouse is back the backlog goes
// in as inserts of the configured size, every event once. The real RowWriter does every real insert;
// a wrapper only refuses writes while "ClickHouse is down".
import { afterEach, describe, expect, test } from 'bun:test'
import type { BatchWriter } from '../../src/batch/batcher'
import { StoreUnavailableError } from '../../src/errors'
import type { RowWriter } from '../../src/sink/row-writer'
import { STREAM_MAX_MSG_BYTES } from '../../src/queue/stream'
import { message, startRig, type Rig } from '../support/batcher-rig'
import { until } from '../support/wait'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

/** The real writer, but refusing while `down`, and recording the size of every insert it let through. */
class FlakyWriter implements BatchWriter {
  down = false
  refused = 0
  readonly inserts: { bytes: number; bodies: number }[] = []
  constructor(private readonly real: RowWriter) {}
  async write(dataset: string, bodies: Uint8Array[], token: string, signal?: AbortSignal) {
    if (this.down) {
      this.refused++
      await Bun.sleep(20)
      throw new StoreUnavailableError('ClickHouse is down (injected)')
    }
    this.inserts.push({ bytes: bodies.reduce((n, b) => n + b.length, 0), bodies: bodies.length })
    return this.real.write(dataset, bodies, token, signal)
  }
  landed(dataset: string, ids: string[]) {
    if (this.down) return Promise.reject(new StoreUnavailableError('ClickHouse is down (injected)'))
    return this.real.landed(dataset, ids)
  }
  deadLetter(...args: Parameters<RowWriter['deadLetter']>) {
    return this.real.deadLetter(...args)
  }
}

const MiB = 1024 * 1024
const rss = () => {
  Bun.gc(true)
  return process.memoryUsage().rss
}

describe('ClickHouse down for a long stretch under load', () => {
  test('held bytes stay under the bound, memory stays flat, and the backlog lands in inserts of the configured size, once', async () => {
    rig = await startRig()
    const writer = new FlakyWriter(rig.rowWriter)
    const batch = { maxBytes: 2 * MiB, maxEvents: 3000, maxHeldBytes: 4 * MiB, flushIntervalMs: 100, ackWaitMs: 3000 }
    const events: number[] = []
    const b = rig.batcher({ batch, writer, onFlush: (r) => events.push(r.events) })
    writer.down = true
    const before = rss()

    // About 60 MB of events (1,000 messages of 100 events of ~600 bytes) while ClickHouse is down.
    let sent = 0
    const held: number[] = []
    const sampler = setInterval(() => held.push(b.stats().heldBytes), 20)
    for (let i = 0; i < 1000; i += 25) {
      const chunks = Array.from({ length: 25 }, (_, k) => message('outage', `m${i + k}`, 100, 600))
      sent += chunks.reduce((n, c) => n + c.events, 0)
      await rig.publish(chunks)
    }
    await until(() => writer.refused >= 5, 10_000, 'writes to be refused')
    // Full: no room left for another message, so it pulls no more while ClickHouse is down.
    await until(() => b.stats().heldBytes > batch.maxHeldBytes - STREAM_MAX_MSG_BYTES, 20_000, 'the batcher to hold all its bound allows')
    const during = rss()
    clearInterval(sampler)

    expect(Math.max(...held)).toBeLessThanOrEqual(batch.maxHeldBytes)
    expect(b.stats().peakHeldBytes).toBeLessThanOrEqual(batch.maxHeldBytes)
    expect(b.stats().heldBytes).toBeGreaterThan(batch.maxBytes) // it did fill up to its bound
    expect(during - before).toBeLessThan(40 * MiB) // the 60 MB waiting in JetStream are not in this process
    expect(await rig.counts('outage')).toEqual({ rows: 0, ids: 0 })

    writer.down = false
    expect(await rig.settle('outage', sent, 45_000)).toEqual({ rows: sent, ids: sent })
    expect(writer.inserts.length).toBeGreaterThan(20)
    for (const insert of writer.inserts) expect(insert.bytes).toBeLessThanOrEqual(batch.maxBytes)
    for (const n of events) expect(n).toBeLessThanOrEqual(batch.maxEvents)
    expect(b.stats().peakHeldBytes).toBeLessThanOrEqual(batch.maxHeldBytes)
    const mib = (n: number) => (n / MiB).toFixed(1)
    console.log(`ClickHouse outage: ${sent} events sent, ${sent} landed once; held at most ${mib(b.stats().peakHeldBytes)} MiB (bound ${mib(batch.maxHeldBytes)}); RSS +${mib(during - before)} MiB while down; ${writer.inserts.length} inserts after, largest ${mib(Math.max(...writer.inserts.map((i) => i.bytes)))} MiB (bound ${mib(batch.maxBytes)})`)
  }, 90_000)
})
