// "Send OpenTelemetry": the lines that point an SDK (the standard OTEL_EXPORTER_OTLP_* variables)
// and a Collector (its otlphttp exporter) at this sluice and dataset, for the console's Send page.
import type { OtlpExamples } from '../query/console-answers'

export type { OtlpExamples }

export function otlpExamples(target: { baseUrl: string; dataset: string; apiKey: string }): OtlpExamples {
  const endpoint = `${target.baseUrl.replace(/\/+$/, '')}/otlp`
  return {
    environment: [
      '# Any OpenTelemetry SDK: logs and traces over OTLP/HTTP (the SDK appends /v1/logs and /v1/traces).',
      `export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
      'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
      `export OTEL_EXPORTER_OTLP_HEADERS="x-api-key=${target.apiKey}"`,
      `# Logs into ${target.dataset} (without x-dataset: otel-logs, and traces into otel-traces).`,
      `export OTEL_EXPORTER_OTLP_LOGS_HEADERS="x-api-key=${target.apiKey},x-dataset=${target.dataset}"`,
    ].join('\n'),
    collector: [
      '# OpenTelemetry Collector: an otlphttp exporter to sluice.',
      'exporters:',
      '  otlphttp/sluice:',
      `    endpoint: ${endpoint}`,
      '    headers:',
      `      x-api-key: ${target.apiKey}`,
      `      x-dataset: ${target.dataset}`,
      'service:',
      '  pipelines:',
      '    logs:',
      '      receivers: [otlp]',
      '      processors: [batch]',
      '      exporters: [otlphttp/sluice]',
    ].join('\n'),
  }
}
