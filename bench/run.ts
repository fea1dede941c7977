// `npm run bench`: runs the bench files one after another (each its own process; they would disturb
// each other), shows their progress, and writes the report: a table, JSON and an SVG chart under
// bench/results/.
//   npm run bench                   the whole suite
//   npm run bench -- --quick        the whole suite, shorter (under two minutes on 2 cores)
//   npm run bench -- <name>...      some benches (file names without .bench.ts)
//   npm run bench -- --profile      CPU profiles of the servers under rows 1, 3 and 4 (bun --cpu-prof)
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchMessage, Figure } from './lib/figures'
import { profileMarkdown, summariseProfiles } from './lib/profile'
import { describeRun, machine, markdownTable, svgChart, type RunResults } from './lib/report'

const ROOT = join(import.meta.dir, '..')
const RESULTS = join(import.meta.dir, 'results')
/** The order of a full run: cheap in-process figures first, then the servers. */
const ORDER = ['splitter', 'ingest-work', 'ingest-node', 'both-cores', 'small-requests', 'embedded', 'latency', 'payloads', 'otlp', 'naive', 'lag', 'recovery', 'queries']
/** Benches that answer a design question once and run only by name (`npm run bench -- layouts`). */
const ON_REQUEST = ['layouts', 'cluster']
/** The scenarios the profiles are taken under (the rows 1, 3 and 4). */
const PROFILED = ['ingest-node', 'small-requests', 'embedded']

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const profile = args.includes('--profile')
const available = readdirSync(import.meta.dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length))
const named = args.filter((a) => !a.startsWith('--'))
const unknown = named.filter((n) => !available.includes(n))
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; there are: ${available.join(', ')}`)
  process.exit(2)
}
const chosen = named.length > 0 ? named : profile ? PROFILED : [...ORDER.filter((n) => available.includes(n)), ...available.filter((n) => !ORDER.includes(n) && !ON_REQUEST.includes(n))]
const mode = profile ? 'profile' : quick ? 'quick' : 'full'
const profileDir = join(RESULTS, 'profiles')
if (profile) rmSync(profileDir, { recursive: true, force: true }), mkdirSync(profileDir, { recursive: true })

const tty = process.stdout.isTTY === true
const startedAt = Date.now()
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1)
const figures: Figure[] = []
const failed: Record<string, string> = {}
const benchSeconds: Record<string, number> = {}

/** On a terminal the current step rewrites one line; otherwise every step is a plain line. */
function show(line: string, final: boolean): void {
  if (tty) process.stdout.write(`\r\x1b[2K${line}${final ? '\n' : ''}`)
  else console.log(line)
}

let current: Bun.Subprocess | undefined
process.once('SIGINT', () => {
  // The bench kills what it started on SIGTERM.
  current?.kill('SIGTERM')
  process.exit(130)
})

for (const [i, name] of chosen.entries()) {
  const prefix = `[${i + 1}/${chosen.length}] ${name}`
  const since = Date.now()
  show(`${prefix}: starting`, false)
  const env = { ...process.env, BENCH_QUICK: quick ? '1' : '0', ...(profile ? { BENCH_PROFILE_DIR: profileDir } : {}) }
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, `${name}.bench.ts`)], { cwd: ROOT, env, stdout: 'pipe', stderr: 'pipe' })
  current = proc
  const stderr = new Response(proc.stderr).text()
  let pending = ''
  for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
    pending += new TextDecoder().decode(chunk)
    let nl: number
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      let message: BenchMessage | undefined
      try {
        message = JSON.parse(line) as BenchMessage
      } catch {
        continue
      }
      if (message.type === 'step') show(`${prefix}: ${message.text} (${seconds(since)} s)`, false)
      else {
        figures.push(message.figure)
        const f = message.figure
        show(`${prefix}: ${f.name}: ${f.value} ${f.unit} vs ${f.baseline.value} -> ${f.ratio}`, true)
      }
    }
  }
  const code = await proc.exited
  benchSeconds[name] = Math.round((Date.now() - since) / 100) / 10
  if (code !== 0) {
    const error = (await stderr).trim().split('\n').slice(-6).join('\n')
    failed[name] = error || `exited with code ${code}`
    show(`${prefix}: FAILED after ${seconds(since)} s\n${error}`, true)
  } else show(`${prefix}: done in ${seconds(since)} s`, true)
}

const results: RunResults = {
  run: { date: new Date(startedAt).toISOString(), ...machine(), mode, command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`, durationS: (Date.now() - startedAt) / 1000, benchSeconds, failed },
  figures,
}
mkdirSync(RESULTS, { recursive: true })
const base = named.length > 0 && !profile ? `${mode}-${named.join('+')}` : mode
writeFileSync(join(RESULTS, `${base}.json`), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(RESULTS, `${base}.svg`), svgChart(results))
console.log(`\n${describeRun(results.run)}\n\n${markdownTable(figures)}\n`)
if (profile) {
  const summaries = summariseProfiles(profileDir, ROOT)
  writeFileSync(join(RESULTS, 'profiles.json'), JSON.stringify(summaries, null, 2) + '\n')
  const md = summaries.map((s) => profileMarkdown({ ...s, top: s.top.slice(0, 15) })).join('\n\n')
  writeFileSync(join(RESULTS, 'profiles.md'), `# CPU profiles, ${results.run.date}, Bun ${results.run.bun}\n\n${md}\n`)
  console.log(md)
}
console.log(`\nresults: bench/results/${base}.json, bench/results/${base}.svg${profile ? ', bench/results/profiles.md' : ''}`)
if (Object.keys(failed).length > 0) process.exitCode = 1
