// Percentiles of samples: nearest-rank on a sorted copy (enough for bench reporting).

export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export const median = (samples: readonly number[]): number => percentile(samples, 0.5)

export interface Latencies {
  p50: number
  p95: number
  p99: number
}

export function latencies(samples: readonly number[]): Latencies {
  return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), p99: percentile(samples, 0.99) }
}
