// Many small requests (10 events each) from concurrent clients through HTTP and JetStream,
// against a baseline server in the same run that only reads the body and answers 202.
//   bun bench/small-requests.bench.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config'
import { startNatsServer } from '../src/embedded/nats-server'
import { quietLogger } from '../src/log'
import { startSluice } from '../src/sluice'
import { makeLogEvent } from './fixtures'
import { describeRun } from './report'

const REQUESTS = Number(process.env.REQUESTS ?? 5000)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64)
const body = JSON.stringify(Array.from({ length: 10 }, (_, i) => makeLogEvent(i)))

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'))
const nats = await startNatsServer({ storeDir: join(dir, 'nats'), logger: quietLogger })
const sluice = await startSluice(loadConfig({ NATS_URL: nats.url, PORT: '0', API_KEYS: 'bench', DATA_DIR: dir, ROLE: 'ingest' }), { logger: quietLogger })
const drain = Bun.serve({ port: 0, fetch: async (r) => (await r.arrayBuffer(), new Response('{}', { status: 202 })) })

/** Sends REQUESTS requests from CONCURRENCY loops; returns requests per second. */
async function load(url: string): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const response = await fetch(url, { method: 'POST', body, headers: { 'x-api-key': 'bench', 'content-type': 'application/json' } })
        await response.arrayBuffer()
        if (response.status !== 202) throw new Error(`${url} answered ${response.status}`)
      }
    }),
  )
  return REQUESTS / ((performance.now() - started) / 1000)
}

await load(`${sluice.url}/v1/warmup`) // warm-up
const results: Record<string, number>[] = []
for (let round = 0; round < 3; round++) {
  const baseline = await load(`http://127.0.0.1:${drain.port}/`)
  const measured = await load(`${sluice.url}/v1/small`)
  results.push({ round, 'baseline req/s': Math.round(baseline), 'sluice req/s': Math.round(measured), 'sluice events/s': Math.round(measured * 10), ratio: Math.round((measured / baseline) * 100) / 100 })
}
console.log(describeRun(`${REQUESTS} requests of 10 events (${body.length} bytes), ${CONCURRENCY} concurrent`))
console.table(results)

drain.stop(true)
await sluice.stop()
await nats.stop()
rmSync(dir, { recursive: true, force: true })
