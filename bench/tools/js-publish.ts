// Baseline, run as its own process: raw JetStream publishing of a body's bytes in 1 MB messages
// with 32 publishes in flight, onto a file-storage stream; prints {"bytes", "elapsedMs"}.
import { readFileSync } from 'node:fs'
import { connect, StorageType } from 'nats'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/queue/message-format'

const input = JSON.parse(process.argv[2]!) as { natsUrl: string; bodyFile: string; durationMs: number; inFlight?: number }
const body = new Uint8Array(readFileSync(input.bodyFile))
const nc = await connect({ servers: input.natsUrl })
await (await nc.jetstreamManager()).streams.add({ name: 'RAW', subjects: ['raw.>'], storage: StorageType.File })
const js = nc.jetstream()
const messages: Uint8Array[] = []
for (let o = 0; o < body.length; o += DEFAULT_MAX_MESSAGE_BYTES) messages.push(body.subarray(o, o + DEFAULT_MAX_MESSAGE_BYTES))

let bytes = 0
let next = 0
const t0 = performance.now()
const stopAt = t0 + input.durationMs
await Promise.all(
  Array.from({ length: input.inFlight ?? 32 }, async () => {
    while (performance.now() < stopAt) {
      const message = messages[next++ % messages.length]!
      await js.publish('raw.bench', message)
      bytes += message.length
    }
  }),
)
const elapsedMs = performance.now() - t0
await nc.drain()
console.log(JSON.stringify({ bytes, elapsedMs }))
