// Timing of in-process work: interleaved rounds (both sides see the same machine load), warm-up
// rounds dropped, medians reported (a GC pause in one sample does not move them).
import { median } from './stats'

export async function interleaved(rounds: number, warmup: number, sides: Record<string, () => unknown>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]))
  for (let i = 0; i < rounds + warmup; i++) {
    for (const [name, run] of Object.entries(sides)) {
      const t0 = performance.now()
      await run()
      const ms = performance.now() - t0
      if (i >= warmup) samples[name]!.push(ms)
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
}
