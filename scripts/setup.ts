// Set-up: installs the system package the default configuration needs, nats-server (sluice starts
// one of its own when NATS_URL is unset, and the tests start theirs). `npm install` runs it
// (postinstall) so that `npm install && npm start` is all a fresh Debian machine needs; `npm run
// setup` runs it again. It lives here rather than in the server because installing packages needs
// root and the network, which a running server should neither have nor wait on.
//
//   bun scripts/setup.ts             exit 1 when nats-server is missing and could not be installed
//   bun scripts/setup.ts --optional  the same, but a machine that cannot install (not Debian, not
//                                    root) only gets the instructions: npm install still succeeds
//                                    there, and sluice names the command again if it needs the binary
import { defaultSearchDirs, INSTALL_HELP, lookup } from '../src/embedded/nats-binary'

/** How this machine installs nats-server; injectable so tests can play any machine. */
export interface Installer {
  /** Why this machine cannot install nats-server here, or null when it can. */
  unavailableReason(): string | null
  /** Installs the package; throws with the package manager's output when that fails. */
  install(): void
}

const tail = (text: string, lines = 15): string => text.trim().split('\n').slice(-lines).join('\n')

export interface Machine {
  /** apt-get's path, undefined where there is none. */
  aptGet: string | undefined
  uid: number | undefined
}

const thisMachine = (): Machine => ({ aptGet: lookup('apt-get', defaultSearchDirs()), uid: process.getuid?.() })

/** apt-get on a Debian-like machine, as root (a set-up that stops at a sudo prompt inside npm install would hang). */
export function aptInstaller({ aptGet, uid }: Machine = thisMachine()): Installer {
  return {
    unavailableReason() {
      if (process.platform !== 'linux' || aptGet === undefined) return 'this is not a Debian-like system (no apt-get found)'
      if (uid !== 0) return `installing packages needs root and this runs as uid ${uid}`
      return null
    },
    install() {
      const apt = (...args: string[]) =>
        Bun.spawnSync([aptGet!, ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdout: 'pipe', stderr: 'pipe' })
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
}

export interface SetUpOptions {
  searchDirs?: readonly string[]
  installer?: Installer
  /** true: a machine that cannot install is not a failure (npm install on macOS, or with NATS_URL). */
  optional?: boolean
  /** Where progress and instructions go. */
  say?: (line: string) => void
}

/** Makes sure nats-server is installed; returns the exit code. */
export function setUp(options: SetUpOptions = {}): number {
  const dirs = options.searchDirs ?? defaultSearchDirs()
  const say = options.say ?? ((line: string) => console.error(line))
  const present = lookup('nats-server', dirs)
  if (present !== undefined) {
    say(`set-up: nats-server is installed (${present})`)
    return 0
  }
  const looked = `looked in ${dirs.join(', ')}`
  const installer = options.installer ?? aptInstaller()
  const reason = installer.unavailableReason()
  if (reason !== null) {
    say(`set-up: nats-server was not found (${looked}) and cannot be installed here: ${reason}.\n${INSTALL_HELP}`)
    return options.optional === true ? 0 : 1
  }
  say('set-up: nats-server not found; installing it with apt-get install -y nats-server')
  try {
    installer.install()
  } catch (err) {
    say(`set-up: installing nats-server failed: ${(err as Error).message}\n${INSTALL_HELP}`)
    return 1
  }
  const installed = lookup('nats-server', dirs)
  if (installed === undefined) {
    say(`set-up: apt-get installed nats-server but no binary appeared (${looked}).\n${INSTALL_HELP}`)
    return 1
  }
  say(`set-up: installed nats-server (${installed})`)
  return 0
}

if (import.meta.main) process.exit(setUp({ optional: process.argv.includes('--optional') }))
