// Finds (or installs) and runs a local nats-server with JetStream, for the default set-up and tests.
import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join } from 'node:path'
import type { Subprocess } from 'bun'
import { SluiceError } from '../errors'
import type { Logger } from '../log'

/** How long a fresh nats-server may take to accept connections (JetStream recovers its store first). */
export const READY_TIMEOUT_MS = 20_000
/** SIGTERM lets nats-server flush its store; after this long it gets SIGKILL. */
export const STOP_GRACE_MS = 10_000
const STDERR_TAIL_LINES = 40
const INSTALL_HELP = [
  'Install it, then start sluice again:',
  '  - Debian/Ubuntu: sudo apt-get install -y nats-server',
  '  - macOS: brew install nats-server',
  '  - elsewhere: download a release from https://github.com/nats-io/nats-server/releases and put nats-server on PATH',
  'Or set NATS_SERVER_BIN=/path/to/nats-server, or set NATS_URL=nats://host:4222 to use a running NATS server with JetStream enabled.',
].join('\n')

/** nats-server is needed (NATS_URL unset) but absent and could not be installed. */
export class NatsServerMissingError extends SluiceError {
  readonly code = 'NATS_SERVER_MISSING'
  readonly status = 500
  readonly retryable = false
}

/** The install step, injectable so tests can play a machine where installing is impossible. */
export interface NatsInstaller {
  /** Why this machine cannot install nats-server by itself, or null when it can. */
  unavailableReason(): string | null
  /** Installs the package; throws with the package manager's output when that fails. */
  install(): void
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, fsConstants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** PATH plus the sbin directories Debian installs nats-server into (often missing from a non-root PATH). */
export function defaultSearchDirs(): string[] {
  // PATH is the operating system's, not sluice configuration, so reading it here is fine.
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter((d) => d.length > 0)
  return [...new Set([...fromPath, '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/usr/bin', '/sbin', '/bin'])]
}

const lookup = (name: string, dirs: readonly string[]): string | undefined =>
  dirs.map((d) => join(d, name)).find(isExecutable)

const tail = (text: string, lines = 15): string => text.trim().split('\n').slice(-lines).join('\n')

/** apt-get on a Debian-like machine, as root (no sudo prompts in a server process). */
export const aptInstaller: NatsInstaller = {
  unavailableReason() {
    if (process.platform !== 'linux' || lookup('apt-get', defaultSearchDirs()) === undefined) {
      return 'this is not a Debian-like system (no apt-get found)'
    }
    const uid = process.getuid?.()
    if (uid !== 0) return `installing packages needs root and sluice runs as uid ${uid}`
    return null
  },
  install() {
    const apt = (...args: string[]) =>
      Bun.spawnSync(['apt-get', ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdout: 'pipe', stderr: 'pipe' })
    let result = apt('install', '-y', 'nats-server')
    if (result.exitCode !== 0) {
      // A fresh image often has empty package lists: refresh them once and try again.
      apt('update')
      result = apt('install', '-y', 'nats-server')
    }
    if (result.exitCode !== 0) {
      throw new Error(`apt-get install -y nats-server failed (exit ${result.exitCode}):\n${tail(result.stderr.toString() || result.stdout.toString())}`)
    }
  },
}

export interface FindOptions {
  installer?: NatsInstaller
  searchDirs?: readonly string[]
  logger?: Logger
}

/**
 * The nats-server binary to run: `explicitBin` (NATS_SERVER_BIN, passed in by the caller, since only
 * config.ts reads sluice's environment), else the first on PATH / sbin dirs, else installed with apt-get.
 * Never returns without a binary: a missing one is an error that says how to install it.
 */
export function findNatsServer(explicitBin?: string, options: FindOptions = {}): string {
  const dirs = options.searchDirs ?? defaultSearchDirs()
  if (explicitBin !== undefined && explicitBin !== '') {
    const found = explicitBin.includes('/') ? (isExecutable(explicitBin) ? explicitBin : undefined) : lookup(explicitBin, dirs)
    if (found !== undefined) return found
    // Falling back to another binary would hide the user's mistake.
    throw new NatsServerMissingError(`NATS_SERVER_BIN=${explicitBin} is not an executable file.\n${INSTALL_HELP}`)
  }
  const onPath = lookup('nats-server', dirs)
  if (onPath !== undefined) return onPath

  const installer = options.installer ?? aptInstaller
  const reason = installer.unavailableReason()
  const looked = `looked in ${dirs.join(', ')}`
  if (reason !== null) {
    throw new NatsServerMissingError(`nats-server is needed when NATS_URL is unset, but it was not found (${looked}) and cannot be installed automatically: ${reason}.\n${INSTALL_HELP}`)
  }
  options.logger?.warn('nats-server not found; installing it with apt-get install -y nats-server')
  try {
    installer.install()
  } catch (err) {
    throw new NatsServerMissingError(`nats-server was not found (${looked}) and installing it failed: ${(err as Error).message}\n${INSTALL_HELP}`, { cause: err })
  }
  const installed = lookup('nats-server', dirs)
  if (installed === undefined) {
    throw new NatsServerMissingError(`apt-get installed nats-server but no binary appeared (${looked}).\n${INSTALL_HELP}`)
  }
  options.logger?.info({ bin: installed }, 'installed nats-server')
  return installed
}

/** A port nobody listens on right now: bind port 0, read it, close. (Racy, so start retries.) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port bound'))))
    })
  })
}

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
 * end-of-file and the shell stops the server. Covers deaths that never run process.on('exit').
 */
const WATCHDOG_SCRIPT =
  'read _; kill -TERM "$1" 2>/dev/null || exit 0; i=0; ' +
  'while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null'
const spawnWatchdog = (pid: number): Subprocess =>
  Bun.spawn(['/bin/sh', '-c', WATCHDOG_SCRIPT, 'sluice-nats-watchdog', String(pid)], {
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

interface Running {
  proc: Subprocess<'ignore', 'ignore', 'pipe'>
  watchdog: Subprocess
  stderr: string[]
  ready: boolean
}

function spawnServer(bin: string, storeDir: string, port: number, logger: Logger): Running {
  const proc = Bun.spawn([bin, '-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
  })
  trackChild(proc)
  const watchdog = spawnWatchdog(proc.pid)
  trackChild(watchdog)
  void proc.exited.then(() => watchdog.kill('SIGKILL'))
  const running: Running = { proc, watchdog, stderr: [], ready: false }
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

async function waitReady(running: Running, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void running.proc.exited.then(() => (exited = true))
  while (Date.now() < deadline && !exited) {
    if (running.ready) return
    await Bun.sleep(20)
  }
  const why = exited ? `exited with code ${running.proc.exitCode}` : `did not report ready on 127.0.0.1:${port} within ${timeoutMs} ms`
  await Bun.sleep(50) // let the last stderr lines arrive
  throw new Error(`nats-server ${why}; its last output:\n${running.stderr.join('\n') || '(nothing)'}`)
}

export interface StartOptions {
  /** The binary; default findNatsServer(). */
  bin?: string
  /** JetStream store directory (created when missing). */
  storeDir: string
  /** 0 or unset: pick a free port. */
  port?: number
  logger: Logger
  readyTimeoutMs?: number
}

export interface NatsServerHandle {
  readonly url: string
  readonly port: number
  readonly storeDir: string
  /** Pid of the running server, undefined while stopped. */
  readonly pid: number | undefined
  /** SIGTERM, wait for exit (SIGKILL after STOP_GRACE_MS). Safe to call twice or after kill(). */
  stop(): Promise<void>
  /** SIGKILL without waiting: a crash, for failure tests. */
  kill(): void
  /** Stops if running, then starts again on the same port and store dir (clients reconnect to the same URL). */
  restart(): Promise<void>
}

/** Starts `nats-server -js -sd <storeDir> -a 127.0.0.1 -p <port>` and resolves once it reports ready. */
export async function startNatsServer(options: StartOptions): Promise<NatsServerHandle> {
  const { storeDir, logger } = options
  const bin = options.bin ?? findNatsServer(undefined, { logger })
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS
  mkdirSync(storeDir, { recursive: true })

  const launch = async (port: number): Promise<Running> => {
    const running = spawnServer(bin, storeDir, port, logger)
    try {
      await waitReady(running, port, readyTimeoutMs)
      return running
    } catch (err) {
      running.proc.kill('SIGKILL')
      await running.proc.exited
      throw err
    }
  }

  let port = options.port ?? 0
  let running: Running | undefined
  if (port !== 0) {
    running = await launch(port)
  } else {
    // Another process may grab the free port between our probe and nats-server's bind: try a few.
    for (let attempt = 1; running === undefined; attempt++) {
      port = await freePort()
      try {
        running = await launch(port)
      } catch (err) {
        if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err
      }
    }
  }
  logger.info({ port, storeDir, pid: running.proc.pid }, 'nats-server started')

  const stop = async () => {
    const current = running
    running = undefined
    if (current === undefined) return
    current.proc.kill('SIGTERM')
    const timer = setTimeout(() => current.proc.kill('SIGKILL'), STOP_GRACE_MS)
    await current.proc.exited
    clearTimeout(timer)
    current.watchdog.kill('SIGKILL')
    await current.watchdog.exited
    logger.info({ port }, 'nats-server stopped')
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return running?.proc.pid
    },
    stop,
    kill() {
      running?.proc.kill('SIGKILL')
      running?.watchdog.kill('SIGKILL')
    },
    async restart() {
      await stop()
      running = await launch(port)
      logger.info({ port, pid: running.proc.pid }, 'nats-server restarted')
    },
  }
}
