// One nats-server child process: spawned with a watchdog so it never outlives sluice, its stderr
// drained and mirrored into sluice's log, and a probe that tells whether it still answers.
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import type { Subprocess } from 'bun'
import type { Logger } from '../log'

const STDERR_TAIL_LINES = 40

// Every child we started, so none outlives us: killed on 'exit' here, and by a watchdog when we die
// from a signal that skips 'exit' (SIGKILL, an unhandled SIGTERM).
const children = new Set<Subprocess>()
let exitHookInstalled = false
const trackChild = (child: Subprocess) => {
  children.add(child)
  void child.exited.then(() => children.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', () => {
      for (const c of children) c.kill('SIGKILL')
    })
  }
}

/**
 * A shell that blocks reading a pipe only we hold open; when we die the kernel closes it, `read` sees
 * end-of-file and the shell stops the server (SIGCONT first: a stopped server cannot act on SIGTERM).
 * Covers deaths that never run process.on('exit').
 */
const WATCHDOG_SCRIPT =
  'read _; kill -TERM "$1" 2>/dev/null || exit 0; kill -CONT "$1" 2>/dev/null; i=0; ' +
  'while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null'
const spawnWatchdog = (pid: number): Subprocess =>
  Bun.spawn(['/bin/sh', '-c', WATCHDOG_SCRIPT, 'sluice-nats-watchdog', String(pid)], {
    detached: true, // a Ctrl-C meant for sluice must not end the guard
    stdin: 'pipe',
    stdout: 'ignore',
    stderr: 'ignore',
  })

/**
 * nats-server logs this once its client listener is up (JetStream is enabled before that). A TCP
 * probe is not enough: another process holding the port answers it while our server dies of
 * "address already in use".
 */
const READY_LINE = '[INF] Server is ready'

export interface NatsProcess {
  proc: Subprocess<'ignore', 'ignore', 'pipe'>
  watchdog: Subprocess
  /** The last lines it wrote, for error messages. */
  stderr: string[]
  ready: boolean
}

export function spawnNatsProcess(bin: string, args: string[], logger: Logger): NatsProcess {
  // Its own process group: a Ctrl-C (SIGINT to the terminal's foreground group) is for sluice, which
  // then drains through this server and stops it last; the server must not quit first.
  const proc = Bun.spawn([bin, ...args], { detached: true, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' })
  trackChild(proc)
  const watchdog = spawnWatchdog(proc.pid)
  trackChild(watchdog)
  void proc.exited.then(() => watchdog.kill('SIGKILL'))
  const running: NatsProcess = { proc, watchdog, stderr: [], ready: false }
  // Drain stderr continuously (a full pipe would block the server) and keep a tail for error messages.
  void (async () => {
    const decoder = new TextDecoder()
    let partial = ''
    for await (const chunk of proc.stderr) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        running.stderr.push(line)
        if (line.includes(READY_LINE)) running.ready = true
        if (running.stderr.length > STDERR_TAIL_LINES) running.stderr.shift()
        if (line.includes('[WRN]')) logger.warn({ nats: line }, 'nats-server warning')
        else if (line.includes('[ERR]') || line.includes('[FTL]')) logger.error({ nats: line }, 'nats-server error')
      }
    }
  })().catch(() => {})
  return running
}

/** Resolves once the server reports ready; throws with its last output when it exits or takes too long. */
export async function waitReady(running: NatsProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void running.proc.exited.then(() => (exited = true))
  while (Date.now() < deadline && !exited) {
    if (running.ready) return
    await Bun.sleep(20)
  }
  const why = !exited
    ? `did not report ready on 127.0.0.1:${port} within ${timeoutMs} ms`
    : running.proc.signalCode
      ? `was killed by ${running.proc.signalCode}`
      : `exited with code ${running.proc.exitCode}`
  await Bun.sleep(50) // let the last stderr lines arrive
  throw new Error(`nats-server ${why}; its last output:\n${running.stderr.join('\n') || '(nothing)'}`)
}

/**
 * Whether a NATS server answers on 127.0.0.1:port within timeoutMs. A server greets every new
 * connection with `INFO {...}` at once (https://docs.nats.io/reference/reference-protocols/nats-protocol#info);
 * a hung or stopped one still has its socket accepted by the kernel, but says nothing.
 */
export function natsAnswers(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.once('data', (data: Buffer) => done(data.subarray(0, 4).toString() === 'INFO'))
    socket.once('error', () => done(false))
  })
}

/**
 * A nats-server left on `storeDir` by a sluice that died (its watchdog stops it within seconds, but a
 * restart can be quicker): found by the pid file it writes (-P) and its command line, stopped before
 * a new server opens the same store, since two servers on one store corrupt it.
 */
export async function stopLeftoverServer(pidFile: string, storeDir: string, logger: Logger): Promise<void> {
  let pid: number
  let cmdline: string
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim())
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return // no pid file, or that process is gone (or no /proc: nothing to find it by)
  }
  if (!(pid > 0) || !cmdline.includes('nats-server') || !cmdline.includes(storeDir)) return
  logger.warn({ pid, storeDir }, 'a nats-server from an earlier run still has the store; stopping it first')
  const gone = () => {
    try {
      process.kill(pid, 0)
      return false
    } catch {
      return true
    }
  }
  process.kill(pid, 'SIGTERM')
  process.kill(pid, 'SIGCONT')
  for (let i = 0; i < 100 && !gone(); i++) await Bun.sleep(50)
  if (!gone()) process.kill(pid, 'SIGKILL')
  for (let i = 0; i < 100 && !gone(); i++) await Bun.sleep(20)
}
