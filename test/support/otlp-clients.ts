// Runs real OpenTelemetry clients against a live sluice (as child processes, configured through
// the environment as a user would) and reads back what landed, for test/integration/otlp-*.test.ts.
import { join } from 'node:path'
import type { TestPipeline } from './pipeline'

export interface JsManifest {
  /** What the client printed on stderr (the SDK's warnings, such as failed exports). */
  stderr: string
  logs: { timestampNs: string; severityNumber: number; severityText?: string; body: unknown; attributes: Record<string, unknown> }[]
  spans: { i: number; name: string; kind: string; traceId: string; spanId: string; parentSpanId?: string; startMs: number; error: boolean }[]
}

/** Runs test/support/otel-js-client.ts; throws with its output when it fails. */
export async function runJsClient(options: { protocol: 'proto' | 'json'; logs: number; spans: number; runId: string; env: Record<string, string> }): Promise<JsManifest> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, 'otel-js-client.ts'), options.protocol, String(options.logs), String(options.spans), options.runId], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...options.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  clearTimeout(killer)
  if (code !== 0) throw new Error(`the JS SDK client exited with ${code}:\n${err}\n${out}`)
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<JsManifest, 'stderr'>), stderr: err }
}

export interface StoredEvent {
  ts: string
  service: string
  namespace: string
  id: string
  event: Record<string, any>
}

/** Every row of a dataset, its `_raw` parsed. */
export async function storedEvents(p: TestPipeline, dataset: string): Promise<StoredEvent[]> {
  const rows = await p.query(`SELECT toString(_timestamp) AS ts, _service AS service, _namespace AS namespace, _id AS id, _raw AS raw FROM ${p.clickhouse.database}.\`${dataset}\` ORDER BY _id`)
  return rows.map((r) => ({ ts: r.ts, service: r.service, namespace: r.namespace, id: r.id, event: JSON.parse(r.raw) }))
}

/** `SELECT count(), uniqExact(_id)`: both must equal what was sent for exactly once. */
export async function countsOf(p: TestPipeline, dataset: string): Promise<{ rows: number; ids: number }> {
  const [row] = await p.query(`SELECT count() AS rows, uniqExact(_id) AS ids FROM ${p.clickhouse.database}.\`${dataset}\``)
  return { rows: Number(row!.rows), ids: Number(row!.ids) }
}

/** ISO 8601 with nanoseconds of a decimal count of nanoseconds since the epoch, as sluice writes it. */
export function isoOfNanos(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n)
  return `${new Date(ms).toISOString().slice(0, 23)}${String(nanos % 1_000_000n).padStart(6, '0')}Z`
}

/** A front that passes requests to sluice; `answer` may replace sluice's answer (the request still reached sluice). */
export function startFront(target: () => string, answer: (attempt: number, path: string) => Response | undefined) {
  const attempts = new Map<string, number>()
  const bodies: { path: string; status: number }[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = new Uint8Array(await request.arrayBuffer())
      const digest = `${path}:${new Bun.CryptoHasher('sha256').update(body).digest('hex')}`
      const attempt = (attempts.get(digest) ?? 0) + 1
      attempts.set(digest, attempt)
      const upstream = await fetch(`${target()}${path}`, { method: 'POST', headers: request.headers, body })
      const upstreamBody = await upstream.arrayBuffer()
      const replaced = answer(attempt, path)
      bodies.push({ path, status: replaced?.status ?? upstream.status })
      return replaced ?? new Response(upstreamBody, { status: upstream.status, headers: upstream.headers })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, attempts, answered: bodies, stop: () => server.stop(true) }
}
