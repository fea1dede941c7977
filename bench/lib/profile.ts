// Top entries by self time of a CPU profile written by `bun --cpu-prof` (Chrome DevTools format:
// a tree of call frames, with samples naming the node that was on top of the stack and timeDeltas
// in microseconds). https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileEntry {
  function: string
  location: string
  selfMs: number
  /** Share of the samples (time the process was busy). */
  selfPercent: number
}

export interface ProfileSummary {
  scenario: string
  sampledMs: number
  top: ProfileEntry[]
}

/**
 * Self time per function (name and location), largest first. Each sample counts as one sampling
 * interval (the median gap between samples): the profiler takes no samples while the process is
 * idle, so the gap after the last sample before an idle spell is not time spent in that frame.
 */
export function summariseProfile(profile: CpuProfile, scenario: string, root: string, count = 25): ProfileSummary {
  const frames = new Map<number, CallFrame>()
  for (const node of profile.nodes) frames.set(node.id, node.callFrame)
  const gaps = profile.timeDeltas.slice(1).filter((d) => d > 0).sort((a, b) => a - b)
  const intervalUs = gaps[Math.floor(gaps.length / 2)] ?? 1000
  const hits = new Map<string, { function: string; location: string; samples: number }>()
  let total = 0
  for (const id of profile.samples) {
    const frame = frames.get(id)
    if (frame === undefined) continue
    total++
    const location = frame.url ? `${shortPath(frame.url, root)}:${frame.lineNumber + 1}` : '[native code]'
    const name = frame.functionName || '(anonymous)'
    const key = `${name}@${location}`
    const entry = hits.get(key) ?? { function: name, location, samples: 0 }
    entry.samples++
    hits.set(key, entry)
  }
  const top = [...hits.values()]
    .sort((a, b) => b.samples - a.samples)
    .slice(0, count)
    .map((e) => ({ function: e.function, location: e.location, selfMs: Math.round((e.samples * intervalUs) / 100) / 10, selfPercent: Math.round((e.samples / total) * 1000) / 10 }))
  return { scenario, sampledMs: Math.round((total * intervalUs) / 1000), top }
}

/** src/... for the project's files, node_modules/... for packages (wherever the link points), else as given. */
function shortPath(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '')
  const modules = path.lastIndexOf('/node_modules/')
  if (modules >= 0) return path.slice(modules + 1)
  return path.startsWith('/') ? relative(root, path) : path
}

/** Every .cpuprofile under dir/<scenario>/, summarised (one per process that was profiled). */
export function summariseProfiles(dir: string, root: string): ProfileSummary[] {
  const out: ProfileSummary[] = []
  for (const scenario of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(dir, scenario.name)).filter((f) => f.endsWith('.cpuprofile'))) {
      const profile = JSON.parse(readFileSync(join(dir, scenario.name, file), 'utf8')) as CpuProfile
      out.push(summariseProfile(profile, scenario.name, root))
    }
  }
  return out
}

export function profileMarkdown(summary: ProfileSummary): string {
  const lines = [`### ${summary.scenario} (${summary.sampledMs} ms sampled)`, '', '| self % | self ms | function | location |', '|---:|---:|---|---|']
  for (const e of summary.top) lines.push(`| ${e.selfPercent} | ${e.selfMs} | \`${e.function}\` | ${e.location} |`)
  return lines.join('\n')
}
