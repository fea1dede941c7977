// The array splitter (src/ingest/framing/array-splitter.ts) over a 6 MB body pushed in 64 KB steps,
// as ingest reads it, against JSON.parse of the same body in the same process.
//   bun bench/splitter.bench.ts
// Why the string scan (closingQuote, src/json/bytes.ts) is as it is: hopping from quote to quote
// with indexOf runs at ~620 MB/s (each native call costs ~12 ns, most strings are short); a JS loop
// over the first 64 bytes of a string, then indexOf, is as fast as a pure JS loop on these events
// and 2.7x faster on events with 2 KB stack traces; SWAR through an Int32Array view is slower (~1000 MB/s).
import { ArraySplitter } from '../src/ingest/framing/array-splitter'
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { makeLogEvents } from './fixtures'
import { benchOptions, figure, step } from './lib/figures'
import { interleaved } from './lib/timing'

const { quick } = benchOptions()
const CHUNK_BYTES = 64 * 1024
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const decoder = new TextDecoder()
let sink = 0

function split(): void {
  const splitter = new ArraySplitter((start, end) => {
    sink += end - start
  })
  for (let length = 0; length < body.length; ) {
    length = Math.min(length + CHUNK_BYTES, body.length)
    splitter.push(body, length)
  }
  sink += splitter.finish()
}

step(`splitting ${(body.length / 1e6).toFixed(1)} MB`)
const ms = await interleaved(quick ? 15 : 60, 5, { parse: () => (sink += (JSON.parse(decoder.decode(body)) as unknown[]).length), split })
const mbps = (t: number) => body.length / 1e6 / (t / 1000)
figure({ id: 'splitter.mbps', bench: 'splitter', name: 'array splitter, 6 MB body in 64 KB pushes', value: mbps(ms.split!), unit: 'MB/s', better: 'higher', baseline: { name: 'JSON.parse of the body', value: mbps(ms.parse!) }, detail: { splitMs: ms.split!, parseMs: ms.parse! } })
if (sink === 0) console.error('nothing split')
