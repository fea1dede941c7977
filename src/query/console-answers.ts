// The shapes of the console API's answers (GET /console/api/...), in one place for the server
// (console-reader.ts) and the browser (src/console/web/api.ts). Types only, importing types only:
// the browser's tsconfig has no Bun or node types, so nothing here may reach server code.

/** A time range in ms since the epoch, end exclusive. */
export interface TimeRange {
  fromMs: number
  toMs: number
}

export interface DatasetSummary {
  name: string
  events: number
  bytes: number
  /** ms since the epoch; null for an empty dataset or one past MAX_SPANNED_DATASETS (console-reader.ts). */
  first: number | null
  last: number | null
}

export interface DatasetField {
  path: string
  types: string[]
}

export interface Histogram {
  stepS: number
  range: TimeRange
  /** Bucket starts, in seconds. */
  times: number[]
  /** Count per bucket for each level ('' for events without one). */
  series: { level: string; counts: number[] }[]
}

export interface ConsoleEvent {
  ts: number
  service: string
  id: string
  /** `_raw`, cut at MAX_RAW_BYTES (console-queries.ts): compare with `bytes` to know. */
  raw: string
  /** Length of the whole `_raw`. */
  bytes: number
}

/** Copy-ready programs that send events to one dataset (src/http/send-examples.ts writes them). */
export interface SendExamples {
  curl: string
  javascript: string
  python: string
  go: string
}

/** OpenTelemetry set-up for one dataset: SDK environment variables, a Collector exporter (src/http/otlp-examples.ts). */
export interface OtlpExamples {
  environment: string
  collector: string
}

/** What the console's Send page shows. */
export type ConsoleExamples = SendExamples & { opentelemetry: OtlpExamples }
