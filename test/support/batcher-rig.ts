// A real consumer and batcher on a real nats-server and the shared embedded ClickHouse, for the
// batcher-*.test.ts files: publish v1 messages, run batchers, count what landed.
import type { NatsConnection } from 'nats'
import type { Config } from '../../src/config'
import { Batcher, type BatchWriter, type FlushReport } from '../../src/batch/batcher'
import { quietLogger, type Logger } from '../../src/log'
import { createEventConsumer } from '../../src/queue/consumer'
import { createEventPublisher } from '../../src/queue/publisher'
import { ensureStream } from '../../src/queue/stream'
import type { OutgoingChunk } from '../../src/queue/types'
import { RowWriter } from '../../src/sink/row-writer'
import { TableManager } from '../../src/sink/tables'
import { testClickHouse, type TestClickHouse } from './clickhouse'
import { connectNats, queueOf, startTestNats, streamDrained, type TestNats } from './nats'

export const STREAM = 'SLUICE_TEST'
const enc = new TextEncoder()

/** One v1 row as ingest writes it. */
export const v1Row = (id: string, raw: string, ts = 1764000000123) =>
  `{"_timestamp":${ts},"_service":"svc","_namespace":"","_id":${JSON.stringify(id)},"_raw":${raw}}\n`

/** A message of `events` rows with ids `<prefix>-<i>`, each event padded to about `eventBytes`. */
export function message(dataset: string, prefix: string, events: number, eventBytes = 40): OutgoingChunk {
  const pad = 'x'.repeat(Math.max(0, eventBytes - 30))
  let text = ''
  for (let i = 0; i < events; i++) text += v1Row(`${prefix}-${i}`, `{"n":${i},"pad":"${pad}"}`)
  return { dataset, body: enc.encode(text), events, lastId: `${prefix}-${events - 1}`, msgId: `${dataset}:${prefix}` }
}

export const batchConfig = (over: Partial<Config['batch']> = {}): Config['batch'] => ({
  maxEvents: 100_000,
  maxBytes: 8 * 1024 * 1024,
  flushIntervalMs: 100,
  ackWaitMs: 3000,
  maxHeldBytes: 16 * 1024 * 1024,
  ...over,
})

export interface Rig {
  nats: TestNats
  nc: NatsConnection
  ch: TestClickHouse
  rowWriter: RowWriter
  publish(chunks: OutgoingChunk[]): Promise<void>
  /** Starts a batcher on the stream's one durable consumer; several may run side by side. */
  batcher(opts?: { batch?: Partial<Config['batch']>; writer?: BatchWriter; log?: Logger; onFlush?: (r: FlushReport) => void }): Batcher
  /** count() and uniqExact(_id) of a dataset table (0 when it does not exist yet). */
  counts(dataset: string): Promise<{ rows: number; ids: number }>
  /**
   * Waits until `rows` rows landed and the stream is drained (every message written and
   * acknowledged, so none can come back as a duplicate), or timeoutMs; then counts.
   */
  settle(dataset: string, rows: number, timeoutMs?: number): Promise<{ rows: number; ids: number }>
  close(): Promise<void>
}

export async function startRig(): Promise<Rig> {
  const nats = await startTestNats()
  const nc = await connectNats(nats.url, quietLogger)
  await ensureStream(await nc.jetstreamManager(), { stream: STREAM, replicas: 1, maxBytes: -1, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 })
  const ch = testClickHouse()
  const rowWriter = new RowWriter(ch.store, new TableManager(ch.store, ch.config))
  const publisher = createEventPublisher(queueOf(nc), { stream: STREAM })
  const batchers: Batcher[] = []
  const counts = async (dataset: string) => {
    try {
      const r = await ch.client.query({ query: `SELECT count() AS rows, uniqExact(_id) AS ids FROM ${ch.database}.\`${dataset}\``, format: 'JSONEachRow' })
      const [row] = await r.json<{ rows: string; ids: string }>()
      return { rows: Number(row!.rows), ids: Number(row!.ids) }
    } catch (err) {
      if (/UNKNOWN_TABLE|UNKNOWN_DATABASE|Unknown table|Unknown database|does not exist/.test(String(err) + String((err as { type?: string }).type))) return { rows: 0, ids: 0 }
      throw err
    }
  }
  return {
    nats,
    nc,
    ch,
    rowWriter,
    publish: (chunks) => publisher.publish(chunks),
    batcher(opts = {}) {
      const batch = batchConfig(opts.batch)
      const consumer = createEventConsumer(queueOf(nc), { stream: STREAM, ackWaitMs: batch.ackWaitMs, maxEvents: batch.maxEvents, logger: opts.log ?? quietLogger })
      const b = new Batcher({ consumer, writer: opts.writer ?? rowWriter, config: batch, log: opts.log ?? quietLogger, observer: { flushed: opts.onFlush } })
      batchers.push(b)
      void b.start().catch(() => {})
      return b
    },
    counts,
    async settle(dataset, rows, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline && ((await counts(dataset)).rows < rows || !(await streamDrained(nc, STREAM)))) await Bun.sleep(50)
      return counts(dataset)
    },
    async close() {
      await Promise.all(batchers.map((b) => b.stop().catch(() => {})))
      await nc.close()
      await nats.stop()
    },
  }
}
