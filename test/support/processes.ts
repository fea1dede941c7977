// Operating-system processes as tests see them (Linux /proc): whether one runs, which ones a process
// started, which match a command line, and whether one listens on a port.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** Whether `pid` runs: a zombie (dead, not yet reaped by its parent) counts as gone. */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return !stateOf(pid).startsWith('Z')
  } catch {
    return false
  }
}

/** The fields of /proc/<pid>/stat after the command name, starting with the state letter. */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)
  } catch {
    return ''
  }
}

/** The pids of the processes `pid` started (its children, from any of its threads). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => {
      try {
        return readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
      } catch {
        return []
      }
    })
  } catch {
    return []
  }
}

/** Pids of every process whose command line contains `text` (pgrep -f), this one excepted. */
export function pidsMatching(text: string): number[] {
  const out = Bun.spawnSync(['pgrep', '-f', '--', text]).stdout.toString().trim()
  return out ? out.split('\n').map(Number).filter((p) => p !== process.pid) : []
}

/** The command line of `pid`, one argument per element (empty once it is gone). */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
  } catch {
    return []
  }
}

/** Whether `pid` holds a TCP socket listening on `port` (so the kernel hands it connections). */
export function listensOn(pid: number, port: number): boolean {
  const listening = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    // sl local_address rem_address st ... inode; the state 0A is LISTEN.
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length > 9 && fields[3] === '0A' && parseInt(fields[1]!.split(':').pop()!, 16) === port) listening.add(fields[9]!)
    }
  }
  if (listening.size === 0) return false
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return listening.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '')
      } catch {
        return false
      }
    })
  } catch {
    return false
  }
}
