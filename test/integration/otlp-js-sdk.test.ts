// The official OpenTelemetry JS SDK (batch processors, OTLP/HTTP protobuf and JSON exporters)
// against a live sluice (real nats-server, embedded ClickHouse): every record and span lands once,
// mapped as the README says; a 503 makes the exporter retry and the retry lands once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { countsOf, isoOfNanos, runJsClient, startFront, storedEvents, type JsManifest } from '../support/otlp-clients'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  await p?.stop()
})

const LOGS = 60
const SPANS = 30
/** Odd spans get a parent span of their own, which is exported too. */
const ALL_SPANS = SPANS + Math.floor(SPANS / 2)

/** The environment a user sets: the endpoint once, the key and dataset per signal. */
function otelEnv(endpoint: string, prefix: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/otlp`,
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: `x-api-key=${PIPELINE_KEY},x-dataset=${prefix}-logs`,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: `x-api-key=${PIPELINE_KEY},x-dataset=${prefix}-traces`,
  }
}

async function expectLanded(dataset: string, count: number, sent: JsManifest): Promise<void> {
  const landed = await p.waitForCount(dataset, count, 20_000)
  if (landed !== count) throw new Error(`${dataset}: ${landed} of ${count} landed; the client said:\n${sent.stderr}`)
  // Let a late duplicate show up, if there were one.
  await Bun.sleep(300)
  expect(await countsOf(p, dataset)).toEqual({ rows: count, ids: count })
}

function expectLogsMapped(stored: Awaited<ReturnType<typeof storedEvents>>, sent: JsManifest, runId: string) {
  const byIndex = new Map(stored.map((s) => [s.event.attributes.i as number, s]))
  expect(byIndex.size).toBe(sent.logs.length)
  sent.logs.forEach((log, i) => {
    const row = byIndex.get(i)!
    const { observedTimestamp, resource, ...event } = row.event
    expect(event).toEqual({
      timestamp: isoOfNanos(BigInt(log.timestampNs)),
      level: log.severityText ?? (log.severityNumber === 13 ? 'WARN' : 'ERROR2'),
      severityNumber: log.severityNumber,
      message: typeof log.body === 'string' ? log.body : JSON.stringify(log.body),
      attributes: log.attributes,
      scope: { name: 'checkout.http', version: '1.2.3' },
      service: 'otel-js',
      namespace: 'shop',
    })
    expect(observedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
    expect(resource).toMatchObject({ 'service.name': 'otel-js', 'service.namespace': 'shop', 'run.id': runId })
    expect(row.service).toBe('otel-js')
    expect(row.namespace).toBe('shop')
    expect(row.ts).toBe(isoOfNanos(BigInt(log.timestampNs)).slice(0, 23).replace('T', ' '))
  })
}

function expectSpansMapped(stored: Awaited<ReturnType<typeof storedEvents>>, sent: JsManifest) {
  const bySpanId = new Map(stored.map((s) => [s.event.spanId as string, s]))
  expect(bySpanId.size).toBe(ALL_SPANS)
  for (const span of sent.spans) {
    const row = bySpanId.get(span.spanId)!
    const { resource, flags, ...event } = row.event
    const startNs = BigInt(span.startMs) * 1_000_000n + 1000n
    const endNs = BigInt(span.startMs + 12) * 1_000_000n + 501_000n
    expect(event).toEqual({
      timestamp: isoOfNanos(startNs),
      endTimestamp: isoOfNanos(endNs),
      message: span.name,
      duration: 12.5,
      traceId: span.traceId,
      spanId: span.spanId,
      ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
      kind: span.kind,
      ...(span.error ? { status: { code: 'ERROR', message: 'boom' } } : {}),
      attributes: { i: span.i, 'http.status_code': 200 },
      events: [{ timestamp: isoOfNanos(BigInt(span.startMs + 1) * 1_000_000n), name: 'cache miss', attributes: { key: `k${span.i}` } }],
      scope: { name: 'checkout.http', version: '1.2.3' },
      service: 'otel-js',
      namespace: 'shop',
    })
    expect(flags & 1).toBe(1)
    expect(resource['service.name']).toBe('otel-js')
    if (span.parentSpanId) expect(bySpanId.get(span.parentSpanId)!.event.message).toBe('parent')
  }
}

describe('the OpenTelemetry JS SDK', () => {
  test.each(['proto', 'json'] as const)('OTLP/HTTP %s: every log record and span lands once, mapped field by field', async (protocol) => {
    const prefix = `js-${protocol}`
    const sent = await runJsClient({ protocol, logs: LOGS, spans: SPANS, runId: prefix, env: otelEnv(p.sluice.url, prefix) })
    await expectLanded(`${prefix}-logs`, LOGS, sent)
    await expectLanded(`${prefix}-traces`, ALL_SPANS, sent)
    expectLogsMapped(await storedEvents(p, `${prefix}-logs`), sent, prefix)
    expectSpansMapped(await storedEvents(p, `${prefix}-traces`), sent)
  }, 60_000)

  test('Authorization: Bearer and no x-dataset: records land in otel-logs and otel-traces', async () => {
    const sent = await runJsClient({ protocol: 'proto', logs: 5, spans: 2, runId: 'defaults', env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${p.sluice.url}/otlp`, OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${PIPELINE_KEY}` } })
    await expectLanded('otel-logs', 5, sent)
    await expectLanded('otel-traces', 3, sent)
  }, 60_000)

  test('a 503 after sluice stored the export: the exporter retries after Retry-After and every record lands once', async () => {
    // The first attempt of each body reaches sluice and is stored, but is answered 503 (as when a
    // node fails after storing): the exporter sends the same body again, without a key of its own.
    const front = startFront(
      () => p.sluice.url,
      (attempt) => (attempt === 1 ? new Response('{"code":14,"message":"unavailable"}', { status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' } }) : undefined),
    )
    try {
      const sent = await runJsClient({ protocol: 'proto', logs: 40, spans: 10, runId: 'retry', env: otelEnv(front.url, 'js-retry') })
      expect([...front.attempts.values()].every((n) => n === 2)).toBe(true)
      await expectLanded('js-retry-logs', 40, sent)
      await expectLanded('js-retry-traces', 15, sent)
    } finally {
      front.stop()
    }
  }, 60_000)

  test('NATS down: sluice answers 503, the exporter retries, and once NATS is back every record lands once', async () => {
    // A front that only watches: every answer is sluice's own.
    const front = startFront(() => p.sluice.url, () => undefined)
    try {
      p.nats.kill()
      const client = runJsClient({ protocol: 'json', logs: 20, spans: 0, runId: 'outage', env: otelEnv(front.url, 'js-outage') })
      await Bun.sleep(1500)
      await p.nats.restart()
      const sent = await client
      expect(front.answered.some((a) => a.status === 503)).toBe(true)
      await expectLanded('js-outage-logs', 20, sent)
    } finally {
      front.stop()
    }
  }, 60_000)
})
