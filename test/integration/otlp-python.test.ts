// A second OTLP client in another language: Python, with the official opentelemetry-proto bindings
// and Google's protobuf runtime (test/support/otel-python-client.py), against a live sluice. Its
// events must land once, exactly as the mapping its script writes from the README; a record out of
// the time window comes back in partial_success, which the Python classes read.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { countsOf, storedEvents } from '../support/otlp-clients'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline({ EVENT_MAX_PAST_DAYS: '30' })
})
afterAll(async () => {
  await p?.stop()
})

/** Fails loudly, naming the install, when Python or its packages are missing: this client is what the README promises works. */
function requirePython(): void {
  if (Bun.which('python3') === null) throw new Error('python3 is not installed: the OTLP Python test needs it (Debian: apt-get install -y python3 python3-pip)')
  const check = Bun.spawnSync(['python3', '-c', 'import opentelemetry.proto.collector.logs.v1.logs_service_pb2, google.protobuf'])
  if (check.exitCode !== 0) {
    throw new Error(`the OTLP Python test needs the opentelemetry-proto package: python3 -m pip install opentelemetry-proto (.ci/run installs it)\n${check.stderr.toString()}`)
  }
}

test('the official Python OTLP bindings: every log record and span lands once, mapped as documented; a refused record is reported in partial_success', async () => {
  requirePython()
  const records = 25
  const run = Bun.spawn(['python3', join(import.meta.dir, '../support/otel-python-client.py'), p.sluice.url, PIPELINE_KEY, 'py', String(records)], { stdout: 'pipe', stderr: 'pipe' })
  const killer = setTimeout(() => run.kill('SIGKILL'), 45_000)
  const [out, err, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited])
  clearTimeout(killer)
  if (code !== 0) throw new Error(`the Python client exited with ${code}:\n${err}\n${out}`)
  const sent = JSON.parse(out) as { logs: Record<string, any>[]; spans: Record<string, any>[]; logsRejected: number; logsError: string; spansRejected: number; spansAnswered: boolean }

  expect(sent.logsRejected).toBe(1)
  expect(sent.logsError).toContain(`1 of ${records + 1} log records were refused: log record ${records}: `)
  expect(sent.logsError).toContain('EVENT_MAX_PAST_DAYS')
  expect(sent.spansAnswered).toBe(false)

  expect(await p.waitForCount('py-logs', records, 20_000)).toBe(records)
  expect(await p.waitForCount('py-traces', records, 20_000)).toBe(records)
  await Bun.sleep(300)
  expect(await countsOf(p, 'py-logs')).toEqual({ rows: records, ids: records })
  expect(await countsOf(p, 'py-traces')).toEqual({ rows: records, ids: records })

  const logs = await storedEvents(p, 'py-logs')
  const byIndex = new Map(logs.map((row) => [row.event.attributes.i, row]))
  sent.logs.forEach((expected, i) => {
    const row = byIndex.get(i)!
    expect(row.event).toEqual(expected)
    expect([row.service, row.namespace]).toEqual(['otel-python', 'shop'])
  })
  const spans = await storedEvents(p, 'py-traces')
  const bySpan = new Map(spans.map((row) => [row.event.spanId, row.event]))
  for (const expected of sent.spans) expect(bySpan.get(expected.spanId)).toEqual(expected)
}, 60_000)
