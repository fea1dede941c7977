// The report of a run: a table for the terminal and the README, the JSON results, and an SVG chart
// of every figure's ratio to its baseline.
import os from 'node:os'
import type { Figure } from './figures'

export interface RunInfo {
  date: string
  bun: string
  cpus: string
  memoryGb: number
  mode: 'full' | 'quick' | 'profile'
  command: string
  durationS: number
  /** Wall time of each bench, seconds. */
  benchSeconds: Record<string, number>
  /** Benches that failed, with their error. */
  failed: Record<string, string>
}

export interface RunResults {
  run: RunInfo
  figures: Figure[]
}

export function machine(): Pick<RunInfo, 'bun' | 'cpus' | 'memoryGb'> {
  const cpus = os.cpus()
  return { bun: Bun.version, cpus: `${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}`, memoryGb: Math.round(os.totalmem() / 2 ** 30) }
}

const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 2 }) : String(n))

/** Issue row first, then in the order measured. */
function ordered(figures: readonly Figure[]): Figure[] {
  return [...figures].sort((a, b) => (a.row ?? 99) - (b.row ?? 99))
}

/** A Markdown table: each figure, its baseline and the ratio (arrow: which way is better). */
export function markdownTable(figures: readonly Figure[]): string {
  const lines = ['| # | figure | value | baseline (same run) | ratio |', '|---|---|---|---|---|']
  for (const f of ordered(figures)) {
    const arrow = f.better === 'higher' ? '↑' : '↓'
    lines.push(`| ${f.row ?? ''} | ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.unit} | **${fmt(f.ratio)}** ${arrow} |`)
  }
  return lines.join('\n')
}

export function describeRun(run: RunInfo): string {
  return `${run.date} · Bun ${run.bun} · ${run.cpus} · ${run.memoryGb} GB · \`${run.command}\` (${Math.round(run.durationS)} s)`
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * Horizontal bars of log2(ratio) around a line at 1.0 (same as the baseline). Green: the better
 * side of the baseline for that figure, orange: the worse side.
 */
export function svgChart(results: RunResults): string {
  const figures = ordered(results.figures)
  const rowHeight = 22
  const labelWidth = 520
  const plotWidth = 420
  const top = 50
  const width = labelWidth + plotWidth + 140
  const height = top + figures.length * rowHeight + 30
  const maxLog = Math.max(1, ...figures.map((f) => Math.abs(Math.log2(f.ratio)) || 0))
  const center = labelWidth + plotWidth / 2
  const scale = plotWidth / 2 / maxLog
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">sluice bench: each figure ÷ its baseline from the same run (log scale)</text>`,
    `<text x="10" y="38" fill="#555">${escape(`${results.run.date} · Bun ${results.run.bun} · ${results.run.cpus} · ${results.run.mode}`)}</text>`,
    `<line x1="${center}" y1="${top - 6}" x2="${center}" y2="${height - 24}" stroke="#333"/>`,
    `<text x="${center}" y="${height - 8}" text-anchor="middle" fill="#333">1.0 = baseline</text>`,
  ]
  figures.forEach((f, i) => {
    const y = top + i * rowHeight
    const log = Number.isFinite(Math.log2(f.ratio)) ? Math.log2(f.ratio) : 0
    const good = f.better === 'higher' ? f.ratio >= 1 : f.ratio <= 1
    const x = log >= 0 ? center : center + log * scale
    const label = `${f.row ? `${f.row}. ` : ''}${f.name}`
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escape(label.length > 80 ? label.slice(0, 79) + '…' : label)}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.max(1, Math.abs(log) * scale).toFixed(1)}" height="${rowHeight - 6}" fill="${good ? '#3a9a5b' : '#e08a2c'}"><title>${escape(`${f.value} ${f.unit} vs ${f.baseline.name} ${f.baseline.value} ${f.unit}`)}</title></rect>`,
      `<text x="${labelWidth + plotWidth + 8}" y="${y + 14}">${escape(`${fmt(f.ratio)} ${f.better === 'higher' ? '↑' : '↓'}`)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
