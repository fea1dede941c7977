// A redelivered message may be partly stored (a server's insert is atomic only per block and per
// partition): the batcher writes exactly the rows that are missing, checked by `_id` in the dataset
// table and in `_dead_letter`, against a real nats-server and the real embedded ClickHouse.
import { afterEach, describe, expect, test } from 'bun:test'
import { tokenFor } from '../../src/batch/dedup-token'
import { planRedelivered } from '../../src/batch/redelivery'
import { FORMAT_V1 } from '../../src/queue/message-format'
import { createEventConsumer } from '../../src/queue/consumer'
import type { OutgoingChunk, QueuedMessage } from '../../src/queue/types'
import { quietLogger } from '../../src/log'
import { message, startRig, STREAM, v1Row, type Rig } from '../support/batcher-rig'
import { queueOf } from '../support/nats'
import { until } from '../support/wait'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const enc = new TextEncoder()
const dec = new TextDecoder()

/** The rows of a message at the given positions, as one body. */
function rowsAt(chunk: OutgoingChunk, positions: number[]): Uint8Array {
  const lines = dec.decode(chunk.body).split('\n').filter((l) => l.length > 0)
  return enc.encode(positions.map((i) => `${lines[i]}\n`).join(''))
}

/** Takes every message once and never settles it: JetStream redelivers them after the ack wait. */
async function deliverOnceAndDrop(r: Rig, expected: number): Promise<void> {
  const consumer = createEventConsumer(queueOf(r.nc), { stream: STREAM, ackWaitMs: 1000, logger: quietLogger })
  let seen = 0
  const running = consumer.run(() => void seen++)
  await until(() => seen >= expected, 10_000, 'first deliveries')
  await consumer.stop()
  await running
}

async function deadLetters(r: Rig, dataset: string): Promise<number> {
  const res = await r.ch.client.query({ query: `SELECT count() AS n FROM ${r.ch.database}._dead_letter WHERE dataset = '${dataset}'`, format: 'JSONEachRow' })
  return Number((await res.json<{ n: string }>())[0]!.n)
}

describe('redelivered messages that partly landed', () => {
  test('writes only the missing rows: last row in but earlier ones missing, and the reverse; dead letters count as in', async () => {
    rig = await startRig()
    const tailIn = message('partial', 'tail', 100)
    const headIn = message('partial', 'head', 100)
    // One row ClickHouse refuses (a word for the number-typed `duration`), inside the part that landed.
    const withBad = { ...headIn, body: enc.encode(dec.decode(headIn.body).replace('{"n":5,', '{"duration":"fast","n":5,')) }
    await rig.publish([tailIn, withBad])
    await deliverOnceAndDrop(rig, 2)
    // What a half-finished insert on a server could leave: rows 50..99 of one message (its last row
    // included), rows 0..29 of the other (its bad row dead-lettered).
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)
    await rig.rowWriter.write('partial', [rowsAt(tailIn, range(50, 100))], 'by-hand-1')
    expect(await rig.rowWriter.write('partial', [rowsAt(withBad, range(0, 30))], 'by-hand-2')).toEqual({ inserted: 29, deadLettered: 1 })

    const b = rig.batcher({ batch: { ackWaitMs: 1000 } })
    const final = await rig.settle('partial', 199, 15_000)
    expect(final).toEqual({ rows: 199, ids: 199 })
    expect(await deadLetters(rig, 'partial')).toBe(1)
    expect(b.stats().skippedEvents).toBe(80)
    expect(b.stats().insertedEvents).toBe(120) // rows 0..49 of one, 30..99 of the other
  }, 40_000)

  test('a fully landed redelivery is acknowledged without a write, a missing one written whole', async () => {
    rig = await startRig()
    const done = message('whole', 'done', 20)
    const missing = message('whole', 'missing', 20)
    await rig.publish([done, missing])
    await deliverOnceAndDrop(rig, 2)
    await rig.rowWriter.write('whole', [done.body], 'by-hand-whole')
    const b = rig.batcher({ batch: { ackWaitMs: 1000 } })
    expect(await rig.settle('whole', 40, 15_000)).toEqual({ rows: 40, ids: 40 })
    expect(b.stats()).toMatchObject({ skippedEvents: 20, insertedEvents: 20 })
  }, 40_000)
})

describe('the plan for a redelivered message', () => {
  const queued = (chunk: OutgoingChunk, seq: number): QueuedMessage => ({
    dataset: chunk.dataset,
    body: chunk.body,
    events: chunk.events,
    lastId: chunk.lastId,
    seq,
    redelivered: true,
    format: FORMAT_V1,
    ack() {},
    nak() {},
    term() {},
    working() {},
  })

  test('keeps the dedup token deterministic for what is written, and never equal to the whole message', async () => {
    const m = queued(message('t', 'p', 10), 7)
    const stored = new Set(['p-0', 'p-1', 'p-9'])
    const a = await planRedelivered([m], async (ids) => new Set(ids.filter((id) => stored.has(id))))
    const b = await planRedelivered([m], async (ids) => new Set(ids.filter((id) => stored.has(id))))
    expect(a.parts[0]!.events).toBe(7)
    expect(a.landed).toBe(3)
    expect(tokenFor(a.parts)).toBe(tokenFor(b.parts))
    expect(tokenFor(a.parts)).not.toBe(tokenFor([m]))
    const other = await planRedelivered([m], async (ids) => new Set(ids.filter((id) => id === 'p-0')))
    expect(tokenFor(other.parts)).not.toBe(tokenFor(a.parts))
    expect(dec.decode(a.parts[0]!.body).split('\n').filter(Boolean).map((l) => JSON.parse(l)._id)).toEqual(['p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'p-7', 'p-8'])
  })

  test('reads ids with escapes, rows without a final newline, and pretty-printed events', async () => {
    const body = enc.encode(v1Row('a"b\\c', '{\n  "x": 1\n}') + v1Row('plain', '{"y":"}\\n{"}').trimEnd())
    const m = queued({ dataset: 't', body, events: 2, lastId: 'plain', msgId: 'x' }, 1)
    let asked: string[] = []
    const plan = await planRedelivered([m], async (ids) => ((asked = ids), new Set(['plain'])))
    expect(asked).toEqual(['a"b\\c', 'plain'])
    expect(plan.parts[0]!.events).toBe(1)
    expect(dec.decode(plan.parts[0]!.body)).toBe(v1Row('a"b\\c', '{\n  "x": 1\n}'))
  })
})
