// Shared reporting for benches: medians and MB/s, with the runtime and machine recorded beside them.
import os from 'node:os'

export function describeRun(what: string): string {
  return `${what} | Bun ${Bun.version} | ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'} | ${new Date().toISOString()}`
}

export function summarise(name: string, timesMs: number[], megabytes: number) {
  const sorted = [...timesMs].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  const medianMs = at(0.5)
  return { name, medianMs: round(medianMs), p90Ms: round(at(0.9)), minMs: round(sorted[0]!), 'MB/s': round(megabytes / (medianMs / 1000)) }
}

const round = (n: number) => Math.round(n * 10) / 10
