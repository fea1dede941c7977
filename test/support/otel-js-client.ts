// An application instrumented with the official OpenTelemetry JS SDK, configured the way a user
// configures one (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_*_HEADERS): emits log records
// and spans through the batch processors and the OTLP/HTTP exporters, then prints what it emitted
// (one JSON object) so the test can compare every stored event with it.
//   bun test/support/otel-js-client.ts <proto|json> <logs> <spans> <run id>
import { context, diag, DiagConsoleLogger, DiagLogLevel, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'

const [protocol, logCount, spanCount, runId] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? 'run']
if (protocol !== 'proto' && protocol !== 'json') throw new Error('usage: otel-js-client.ts <proto|json> <logs> <spans> <run id>')
// Export failures are printed on stderr, for the test's message when records are missing.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN)

const resource = resourceFromAttributes({ 'service.name': 'otel-js', 'service.namespace': 'shop', 'run.id': runId })
const nowMs = Date.now()
/** [seconds, nanoseconds]: the SDK's own time type, with sub-millisecond digits to check they survive. */
const hr = (ms: number, extraNs: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6 + extraNs]

const logs: Record<string, unknown>[] = []
if (logCount > 0) {
  const exporter = protocol === 'proto' ? new ProtoLogExporter() : new JsonLogExporter()
  const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 200 })] })
  const logger = provider.getLogger('checkout.http', '1.2.3')
  for (let i = 0; i < logCount; i++) {
    const structured = i % 5 === 0
    const record = {
      timestamp: hr(nowMs - i, 123456),
      severityNumber: i % 2 === 0 ? SeverityNumber.WARN : SeverityNumber.ERROR2,
      severityText: i % 4 === 0 ? 'custom-level' : undefined,
      body: structured ? { order: { id: i, items: ['a', 'b'] }, ok: true } : `log line ${i} of ${runId}`,
      attributes: { i, 'http.method': 'GET', ratio: 0.25, ok: i % 3 === 0, tags: ['x', 'y'] },
    }
    logger.emit(record)
    logs.push({ ...record, timestampNs: `${BigInt(record.timestamp[0]) * 1_000_000_000n + BigInt(record.timestamp[1])}` })
  }
  await provider.shutdown()
}

const spans: Record<string, unknown>[] = []
if (spanCount > 0) {
  const exporter = protocol === 'proto' ? new ProtoTraceExporter() : new JsonTraceExporter()
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })] })
  const tracer = provider.getTracer('checkout.http', '1.2.3')
  for (let i = 0; i < spanCount; i++) {
    const start = nowMs - 1000 - i
    const root = i % 2 === 0
    const parent = root ? undefined : tracer.startSpan('parent', { startTime: hr(start, 0) })
    const ctx = parent ? trace.setSpan(context.active(), parent) : context.active()
    const span = tracer.startSpan(`GET /orders/${i}`, { kind: root ? SpanKind.SERVER : SpanKind.CLIENT, startTime: hr(start, 1000), attributes: { i, 'http.status_code': 200 } }, ctx)
    span.addEvent('cache miss', { key: `k${i}` }, hr(start + 1, 0))
    if (i % 3 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' })
    span.end(hr(start + 12, 501000))
    parent?.end(hr(start + 20, 0))
    const sc = span.spanContext()
    spans.push({ i, name: `GET /orders/${i}`, kind: root ? 'SERVER' : 'CLIENT', traceId: sc.traceId, spanId: sc.spanId, parentSpanId: parent?.spanContext().spanId, startMs: start, error: i % 3 === 0 })
  }
  await provider.shutdown()
}

console.log(JSON.stringify({ logs, spans }))
