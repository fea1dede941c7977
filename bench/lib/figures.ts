// What a bench reports: figures, each beside a baseline measured in the same run. A bench runs as
// its own process and writes one JSON object per line on stdout (progress steps and figures); the
// runner (bench/run.ts) shows the steps as they come and keeps the figures for the report.

export type Better = 'higher' | 'lower'

export interface Figure {
  /** Stable key, e.g. 'ingest-node.mbps': the JSON results and the chart use it. */
  id: string
  /** The bench file it comes from. */
  bench: string
  name: string
  value: number
  unit: string
  better: Better
  baseline: { name: string; value: number }
  /** value ÷ baseline.value. */
  ratio: number
  /** The table row (1-5) this figure answers, if any. */
  row?: number
  /** Latency percentiles, peak RSS, counts: the detail behind the figure. */
  detail?: Record<string, number | string>
}

export type BenchMessage = { type: 'step'; text: string } | { type: 'figure'; figure: Figure }

/** Options every bench gets from the runner through the environment. */
export interface BenchOptions {
  quick: boolean
  /** Directory for CPU profiles of the servers under test; unset: no profiling. */
  profileDir?: string
}

export function benchOptions(): BenchOptions {
  return { quick: process.env.BENCH_QUICK === '1', profileDir: process.env.BENCH_PROFILE_DIR || undefined }
}

/** Reports a step in progress (one line on the runner's display). */
export function step(text: string): void {
  send({ type: 'step', text })
}

/** Reports a figure with its baseline; the ratio is computed here so every figure has one. */
export function figure(f: Omit<Figure, 'ratio'>): Figure {
  const detail = f.detail && Object.fromEntries(Object.entries(f.detail).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]))
  const full: Figure = { ...f, value: round(f.value), baseline: { ...f.baseline, value: round(f.baseline.value) }, ratio: round(f.value / f.baseline.value, 3), ...(detail ? { detail } : {}) }
  send({ type: 'figure', figure: full })
  return full
}

function send(message: BenchMessage): void {
  process.stdout.write(JSON.stringify(message) + '\n')
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n
  const f = 10 ** (Math.abs(n) >= 100 ? 0 : digits)
  return Math.round(n * f) / f
}
