// Load generator, run as its own process: POSTs one body from `concurrency` loops (closed loop), or
// at a fixed rate (open loop, `ratePerS`), and prints one JSON report on stdout.
//   bun bench/tools/load-client.ts '{"url":"http://127.0.0.1:3000/v1/x","bodyFile":"/tmp/b.json","concurrency":4,"durationMs":5000}'
import { readFileSync } from 'node:fs'
import { latencies, type Latencies } from '../lib/stats'

export interface LoadInput {
  url: string
  bodyFile: string
  headers?: Record<string, string>
  concurrency: number
  /** Stop starting requests after this long, or after `requests`, whichever comes first. */
  durationMs?: number
  requests?: number
  /** Open loop: start requests at this rate (at most `concurrency` in flight). */
  ratePerS?: number
  /** Report the epoch ms of every 202 (end-to-end lag). */
  recordAccepted?: boolean
  /** Send every request with an Idempotency-Key of its own (as a client that retries safely does). */
  uniqueIdempotencyKeys?: boolean
}

export interface LoadReport {
  requests: number
  statuses: Record<string, number>
  /** Epoch ms of the first request sent and the last answer received. */
  startMs: number
  endMs: number
  elapsedMs: number
  bodyBytes: number
  /** Over requests answered 2xx or 4xx (their body was read and judged); 503s and errors are only counted. */
  latencyMs: Latencies
  accepted202At?: number[]
  /** Requests the open loop could not start on time (every slot busy). */
  late?: number
}

const input = JSON.parse(process.argv[2]!) as LoadInput
const body = new Uint8Array(readFileSync(input.bodyFile))
const headers = input.headers ?? {}
const maxRequests = input.requests ?? Number.POSITIVE_INFINITY
const stopAt = performance.now() + (input.durationMs ?? 3_600_000)
const samples: number[] = []
const accepted: number[] = []
const statuses: Record<string, number> = {}
let started = 0
let late = 0
const keyPrefix = `load-${process.pid}-${Date.now()}`

async function send(): Promise<void> {
  const t0 = performance.now()
  let status = 'error'
  try {
    const requestHeaders = input.uniqueIdempotencyKeys ? { ...headers, 'idempotency-key': `${keyPrefix}-${started}` } : headers
    const response = await fetch(input.url, { method: 'POST', body, headers: requestHeaders })
    await response.arrayBuffer()
    status = String(response.status)
  } catch {}
  if (status.startsWith('2') || status.startsWith('4')) samples.push(performance.now() - t0)
  statuses[status] = (statuses[status] ?? 0) + 1
  if (input.recordAccepted && status === '202') accepted.push(Date.now())
}

const startMs = Date.now()
const t0 = performance.now()
if (input.ratePerS === undefined) {
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      while (started < maxRequests && performance.now() < stopAt) {
        started++
        await send()
      }
    }),
  )
} else {
  const interval = 1000 / input.ratePerS
  let inFlight = 0
  const pending = new Set<Promise<void>>()
  while (started < maxRequests && performance.now() < stopAt) {
    const due = t0 + started * interval
    const wait = due - performance.now()
    if (wait > 0) await Bun.sleep(wait)
    if (inFlight >= input.concurrency) {
      late++
      await Promise.race(pending)
    }
    started++
    inFlight++
    const p: Promise<void> = send().then(() => {
      inFlight--
      pending.delete(p)
    })
    pending.add(p)
  }
  await Promise.all(pending)
}
const endMs = Date.now()
const report: LoadReport = {
  requests: Object.values(statuses).reduce((a, b) => a + b, 0),
  statuses,
  startMs,
  endMs,
  elapsedMs: performance.now() - t0,
  bodyBytes: body.length,
  latencyMs: latencies(samples),
  ...(input.recordAccepted ? { accepted202At: accepted } : {}),
  ...(input.ratePerS !== undefined ? { late } : {}),
}
console.log(JSON.stringify(report))
