// Load through a generator process (bench/tools/load-client.ts), and the bodies it sends.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadInput, LoadReport } from '../tools/load-client'
import { BENCH_KEY, runTool, tempDir } from './processes'

export type { LoadReport }

let bodies: string | undefined

/** Writes a body once to a temporary file the generator reads. */
export function bodyFile(name: string, bytes: Uint8Array): string {
  bodies ??= tempDir('bodies')
  const path = join(bodies, name)
  writeFileSync(path, bytes)
  return path
}

export const ingestHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({ 'x-api-key': BENCH_KEY, 'content-type': 'application/json', ...extra })

export function load(input: LoadInput): Promise<LoadReport> {
  return runTool<LoadReport>('load-client.ts', input)
}

/** Requests answered with one of `statuses` (by default 202). */
export const answered = (report: LoadReport, statuses = ['202']): number => statuses.reduce((n, s) => n + (report.statuses[s] ?? 0), 0)

/** Throws when the load saw answers other than `ok` (a bench on failing requests measures nothing). */
export function expectOnly(report: LoadReport, ok = ['202'], what = 'load'): void {
  const other = Object.entries(report.statuses).filter(([s]) => !ok.includes(s))
  if (other.length > 0) throw new Error(`${what}: unexpected answers ${JSON.stringify(report.statuses)}`)
}
