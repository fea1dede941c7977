// Finds the nats-server binary, and tells what that binary supports. Installing it is set-up's job
// (scripts/setup.ts, run by `npm install`), never the running server's: a server process that calls
// the package manager would need root and could stall start-up on the network.
import { accessSync, constants as fsConstants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { SluiceError } from '../errors'

/** The command that installs nats-server where sluice knows how (Debian/Ubuntu, as root). */
export const SETUP_COMMAND = 'npm run setup'

export const INSTALL_HELP = [
  'Install it, then start sluice again:',
  `  - Debian/Ubuntu: ${SETUP_COMMAND} as root (it runs apt-get install -y nats-server), or sudo apt-get install -y nats-server`,
  '  - macOS: brew install nats-server',
  '  - elsewhere: download a release from https://github.com/nats-io/nats-server/releases and put nats-server on PATH',
  'Or set NATS_SERVER_BIN=/path/to/nats-server, or set NATS_URL=nats://host:4222 to use a running NATS server with JetStream enabled.',
].join('\n')

/** nats-server is needed (NATS_URL unset) but absent. */
export class NatsServerMissingError extends SluiceError {
  readonly code = 'NATS_SERVER_MISSING'
  readonly status = 500
  readonly retryable = false
}

/** Whether `path` is a file this process may execute. */
export const isExecutable = (path: string): boolean => {
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

/** The first executable `name` in `dirs`. */
export const lookup = (name: string, dirs: readonly string[]): string | undefined =>
  dirs.map((d) => join(d, name)).find(isExecutable)

export interface FindOptions {
  searchDirs?: readonly string[]
}

/**
 * The nats-server binary to run: `explicitBin` (NATS_SERVER_BIN, passed in by the caller, since only
 * config.ts reads sluice's environment), else the first on PATH / sbin dirs. Never returns without a
 * binary: a missing one is an error that names the command installing it.
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
  throw new NatsServerMissingError(`nats-server is needed when NATS_URL is unset, but it was not found (looked in ${dirs.join(', ')}).\n${INSTALL_HELP}`)
}

/** The binary cannot do what the configuration asks (a newer nats-server is needed). */
export class NatsServerUnsupportedError extends SluiceError {
  readonly code = 'NATS_SERVER_UNSUPPORTED'
  readonly status = 500
  readonly retryable = false
}

/** `nats-server --version` as [major, minor, patch], e.g. "nats-server: v2.9.10" -> [2, 9, 10]. */
export function natsServerVersion(bin: string): [number, number, number] | undefined {
  const out = Bun.spawnSync([bin, '--version'], { stdout: 'pipe', stderr: 'pipe' })
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(out.stdout.toString() + out.stderr.toString())
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined
}

/**
 * JetStream's `sync_interval` (fsync policy) came in nats-server 2.10
 * (https://docs.nats.io/running-a-nats-service/configuration#jetstream); 2.9 refuses the whole
 * configuration with `unknown field "sync_interval"`. Throws a message that says what to do.
 */
export function assertSyncIntervalSupported(bin: string): void {
  const version = natsServerVersion(bin)
  const [major, minor] = version ?? [0, 0]
  if (major > 2 || (major === 2 && minor >= 10)) return
  throw new NatsServerUnsupportedError(
    `NATS_SYNC_INTERVAL is set, but ${bin} is nats-server ${version ? version.join('.') : '(unknown version)'}, which has no sync_interval (it came in 2.10). ` +
      'Unset NATS_SYNC_INTERVAL to run with the server default (JetStream acknowledges before fsync; a killed process loses nothing, a lost machine can), ' +
      'or install nats-server 2.10 or newer (https://github.com/nats-io/nats-server/releases) and point NATS_SERVER_BIN at it.',
  )
}
