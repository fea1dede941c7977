// Issue row 2: ingest's work on one 6 MB body in-process (read, split, validate, encode; the
// publisher only takes the chunks) against JSON.parse of the same body.
//   bun bench/ingest-work.bench.ts
import { ingestRequest } from '../src/ingest/ingest-request'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../src/queue/message-format'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { interleaved } from './lib/timing'

const { quick } = benchOptions()
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const decoder = new TextDecoder()
const publisher = { publish: async () => {} }
const eventLimits = { maxPastDays: 30, maxFutureDays: 1 }

/** The body arriving in 64 KB chunks, as Bun.serve hands it over. */
function arriving(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (let o = 0; o < body.length; o += 64 * 1024) c.enqueue(body.subarray(o, o + 64 * 1024))
      c.close()
    },
  })
}

const ingest = () => ingestRequest({ dataset: 'bench', apiKey: 'k', body: arriving(), encoding: 'identity', contentLength: body.length, receivedMs: Date.now() }, { publisher, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, eventLimits })
let events = 0
step(`ingesting ${(body.length / 1e6).toFixed(1)} MB in-process`)
const ms = await interleaved(quick ? 10 : 30, 3, { parse: () => (events = (JSON.parse(decoder.decode(body)) as unknown[]).length), ingest })
const mbps = (t: number) => body.length / 1e6 / (t / 1000)
figure({
  id: 'ingest-work.mbps',
  bench: 'ingest-work',
  row: 2,
  name: 'ingest work for one 6 MB body (read, split, validate, encode)',
  value: mbps(ms.ingest!),
  unit: 'MB/s',
  better: 'higher',
  baseline: { name: 'JSON.parse of the same body', value: mbps(ms.parse!) },
  detail: { ingestMs: ms.ingest!, parseMs: ms.parse!, events, bytes: body.length },
})
