// The bench report: table, SVG chart and profile summary are written from figures as measured.
import { describe, expect, test } from 'bun:test'
import type { Figure } from '../../bench/lib/figures'
import { summariseProfile } from '../../bench/lib/profile'
import { markdownTable, svgChart, type RunResults } from '../../bench/lib/report'
import { latencies, percentile } from '../../bench/lib/stats'

const figure = (over: Partial<Figure>): Figure => ({
  id: 'x.mbps',
  bench: 'x',
  name: 'x',
  value: 50,
  unit: 'MB/s',
  better: 'higher',
  baseline: { name: 'base', value: 100 },
  ratio: 0.5,
  ...over,
})

const results: RunResults = {
  run: { date: '2026-01-01T00:00:00.000Z', bun: '1.4.5', cpus: '2 x cpu', memoryGb: 4, mode: 'quick', command: 'npm run bench -- --quick', durationS: 90, benchSeconds: {}, failed: {} },
  figures: [
    figure({ id: 'a', name: 'splitter <fast> & "good"', ratio: 2 }),
    figure({ id: 'b', name: 'row one', row: 1, ratio: 0.2 }),
    figure({ id: 'c', name: 'latency', unit: 'ms', better: 'lower', value: 200, baseline: { name: 'drain', value: 20 }, ratio: 10, row: 5 }),
  ],
}

describe('bench report', () => {
  test('the table lists issue rows first, each with its baseline and ratio', () => {
    const lines = markdownTable(results.figures).split('\n')
    expect(lines).toHaveLength(2 + 3)
    expect(lines[2]).toContain('| 1 | row one | 50 MB/s | base: 100 MB/s | **0.2** ↑ |')
    expect(lines[3]).toContain('| 5 | latency | 200 ms | drain: 20 ms | **10** ↓ |')
    expect(lines[4]).toContain('splitter')
  })

  test('the chart has one bar per figure, escapes names, and colours by the better side', () => {
    const svg = svgChart(results)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    expect(svg.match(/<rect x=/g)).toHaveLength(3)
    expect(svg).toContain('splitter &lt;fast&gt; &amp; &quot;good&quot;')
    expect(svg).not.toContain('<fast>')
    // ratio 2 of a higher-is-better figure: green; 0.2: orange; 10 of a lower-is-better one: orange.
    expect(svg.match(/fill="#3a9a5b"/g)).toHaveLength(1)
    expect(svg.match(/fill="#e08a2c"/g)).toHaveLength(2)
    // Well-formed enough for a browser: every element opened is closed.
    expect(svg.match(/<text/g)!.length).toBe(svg.match(/<\/text>/g)!.length)
  })

  test('a ratio of zero or infinity still draws', () => {
    const svg = svgChart({ ...results, figures: [figure({ ratio: 0 }), figure({ ratio: Infinity })] })
    expect(svg).not.toContain('NaN')
  })
})

describe('profile summary', () => {
  test('self time counts samples per function, each one sampling interval, whatever idle gap follows', () => {
    const frame = (functionName: string, url = '/repo/src/a.ts', lineNumber = 9) => ({ functionName, url, lineNumber })
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '', -1) },
        { id: 2, callFrame: frame('split') },
        { id: 3, callFrame: frame('parse', '') },
        { id: 4, callFrame: frame('split') }, // the same function under another parent
      ],
      samples: [2, 3, 4, 2, 3],
      // 1 ms sampling; the 900 ms gap is the process idling after the second sample.
      timeDeltas: [0, 1000, 900_000, 1000, 1000, 1000],
    }
    const summary = summariseProfile(profile, 'scenario', '/repo')
    expect(summary.sampledMs).toBe(5)
    expect(summary.top).toEqual([
      { function: 'split', location: 'src/a.ts:10', selfMs: 3, selfPercent: 60 },
      { function: 'parse', location: '[native code]', selfMs: 2, selfPercent: 40 },
    ])
  })
})

describe('percentiles', () => {
  test('nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentile(xs, 0.5)).toBe(50)
    expect(latencies(xs)).toEqual({ p50: 50, p95: 95, p99: 99 })
    expect(percentile([], 0.5)).toBeNaN()
  })
})
