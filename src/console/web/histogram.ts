// Events over time as stacked bars, one colour per level (uPlot). Dragging across the chart selects
// a time range, handed to `onSelect`.
import uPlot from 'uplot'
import type { Histogram, TimeRange } from './api'

const LEVEL_COLOURS: Record<string, string> = { error: '#d64545', fatal: '#8e1c1c', warn: '#e0a526', warning: '#e0a526', info: '#3b82c4', debug: '#8a8f98', trace: '#b5b9c0', '': '#6c8ebf' }
const PALETTE = ['#4caf7d', '#9b6bc9', '#c96b9b', '#6bc9c0', '#c9a46b']

const colourOf = (level: string, i: number): string => LEVEL_COLOURS[level.toLowerCase()] ?? PALETTE[i % PALETTE.length]!

export function drawHistogram(root: HTMLElement, histogram: Histogram, onSelect: (range: TimeRange) => void): uPlot {
  // Stacked: series i is the sum of levels i..n, drawn in order so each covers the part above it.
  const levels = histogram.series
  const stacked: number[][] = levels.map((_, i) => histogram.times.map((_, t) => levels.slice(i).reduce((sum, s) => sum + s.counts[t]!, 0)))
  const bars = uPlot.paths.bars!({ size: [0.9, 40] })
  const width = Math.max(320, root.clientWidth || 800)
  return new uPlot(
    {
      width,
      height: 180,
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true } },
      axes: [{}, { size: 50 }],
      legend: { show: true },
      series: [{}, ...levels.map((s, i) => ({ label: s.level === '' ? '(no level)' : s.level, fill: colourOf(s.level, i), stroke: colourOf(s.level, i), paths: bars, points: { show: false } }))],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2) return
            // Each bar is drawn centred on its bucket's start: a selection takes every bucket whose
            // bar it touches, whole (ending a pixel short of a bar's middle still takes that bar).
            const step = histogram.stepS
            const bucketAt = (px: number) => Math.round(u.posToVal(px, 'x') / step) * step
            const fromMs = bucketAt(u.select.left) * 1000
            const toMs = (bucketAt(u.select.left + u.select.width) + step) * 1000
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
            onSelect({ fromMs, toMs })
          },
        ],
      },
    },
    [histogram.times, ...stacked],
    root,
  )
}
