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
  /** Share of the sampled time (idle samples included). */
  selfPercent: number
}

export interface ProfileSummary {
  scenario: string
  sampledMs: number
  top: ProfileEntry[]
}

/** Self time per function (name and location), largest first. */
export function summariseProfile(profile: CpuProfile, scenario: string, root: string, count = 25): ProfileSummary {
  const frames = new Map<number, CallFrame>()
  for (const node of profile.nodes) frames.set(node.id, node.callFrame)
  const selfUs = new Map<string, { frame: CallFrame; us: number }>()
  let totalUs = 0
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's time is the gap to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0
    const frame = frames.get(profile.samples[i]!)
    if (frame === undefined) continue
    totalUs += us
    const location = frame.url ? `${frame.url.startsWith('/') ? relative(root, frame.url) : frame.url}:${frame.lineNumber + 1}` : '[native code]'
    const key = `${frame.functionName || '(anonymous)'}@${location}`
    const entry = selfUs.get(key) ?? { frame: { ...frame, url: location }, us: 0 }
    entry.us += us
    selfUs.set(key, entry)
  }
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map(({ frame, us }) => ({ function: frame.functionName || '(anonymous)', location: frame.url, selfMs: Math.round(us / 100) / 10, selfPercent: Math.round((us / totalUs) * 1000) / 10 }))
  return { scenario, sampledMs: Math.round(totalUs / 1000), top }
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
