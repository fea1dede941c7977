// One sluice per DATA_DIR: its nats store and embedded ClickHouse each take one owner, and two
// processes writing them corrupt both. An flock(2) on DATA_DIR/sluice.lock is held for the life of
// the process; the kernel drops it when the process dies however it dies, so a crash leaves no
// stale lock to clean up (unlike a pid file). The file also names the holder, for the error.
import { dlopen, FFIType } from 'bun:ffi'
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SluiceError } from '../errors'

/** Another live process holds DATA_DIR. */
export class DataDirInUseError extends SluiceError {
  readonly code = 'DATA_DIR_IN_USE'
  readonly status = 500
  readonly retryable = false
}

// flock(2) operations (https://man7.org/linux/man-pages/man2/flock.2.html).
const LOCK_EX = 2
const LOCK_NB = 4
const LIBC: Partial<Record<NodeJS.Platform, string>> = { linux: 'libc.so.6', darwin: 'libc.dylib' }

let flock: ((fd: number, op: number) => number) | undefined
function loadFlock(): (fd: number, op: number) => number {
  if (flock) return flock
  const name = LIBC[process.platform]
  if (name === undefined) throw new Error(`cannot lock DATA_DIR on ${process.platform}`)
  const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } })
  flock = (fd, op) => lib.symbols.flock(fd, op) as number
  return flock
}

export interface DataDirLock {
  readonly path: string
  /** Lets another process take DATA_DIR (also happens by itself when this one dies). */
  release(): void
}

/** Takes DATA_DIR for this process, or throws DataDirInUseError naming the process that has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const path = join(resolve(dataDir), 'sluice.lock')
  // Opened without truncating: the holder's pid must still be readable when we fail.
  const fd = openSync(path, 'a+')
  if (loadFlock()(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd)
    const holder = readFileSync(path, 'utf8').trim() || 'unknown'
    throw new DataDirInUseError(
      `DATA_DIR ${resolve(dataDir)} is in use by another sluice (pid ${holder}): its nats store and embedded ClickHouse take one process each. ` +
        'Stop that process first, or give this one its own DATA_DIR.',
    )
  }
  ftruncateSync(fd, 0)
  writeSync(fd, `${process.pid}\n`, 0)
  let held = true
  return {
    path,
    release() {
      if (!held) return
      held = false
      closeSync(fd) // closing the only descriptor drops the flock
    },
  }
}
