// findNatsServer never goes on without a binary: it finds, installs, or says exactly how to install.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findNatsServer, NatsServerMissingError, type NatsInstaller } from '../../src/embedded/nats-server'

let emptyDir: string
beforeEach(() => {
  emptyDir = mkdtempSync(join(tmpdir(), 'sluice-nobin-'))
})
afterEach(() => rmSync(emptyDir, { recursive: true, force: true }))

const fakeBinary = (dir: string) => {
  const path = join(dir, 'nats-server')
  writeFileSync(path, '#!/bin/sh\n')
  chmodSync(path, 0o755)
  return path
}

const nonDebian: NatsInstaller = {
  unavailableReason: () => 'this is not a Debian-like system (no apt-get found)',
  install: () => {
    throw new Error('install must not be attempted')
  },
}

describe('findNatsServer', () => {
  test('on a machine that cannot install it, the error says why and exactly how to install it', () => {
    let err: unknown
    try {
      findNatsServer(undefined, { searchDirs: [emptyDir], installer: nonDebian })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NatsServerMissingError)
    const message = (err as Error).message
    expect(message).toContain('not a Debian-like system')
    expect(message).toContain(emptyDir)
    expect(message).toContain('apt-get install -y nats-server')
    expect(message).toContain('https://github.com/nats-io/nats-server/releases')
    expect(message).toContain('NATS_SERVER_BIN=')
    expect(message).toContain('NATS_URL=')
  })

  test('installs it when missing and the machine can, then returns the installed binary', () => {
    let installs = 0
    const installer: NatsInstaller = {
      unavailableReason: () => null,
      install: () => {
        installs++
        fakeBinary(emptyDir)
      },
    }
    expect(findNatsServer(undefined, { searchDirs: [emptyDir], installer })).toBe(join(emptyDir, 'nats-server'))
    expect(installs).toBe(1)
  })

  test('a failed install is an error carrying the installer output and the manual instructions', () => {
    const installer: NatsInstaller = {
      unavailableReason: () => null,
      install: () => {
        throw new Error('E: Unable to locate package nats-server')
      },
    }
    expect(() => findNatsServer(undefined, { searchDirs: [emptyDir], installer })).toThrow(/Unable to locate package[\s\S]*apt-get install -y nats-server/)
  })

  test('prefers a binary already on the search path and never installs then', () => {
    const path = fakeBinary(emptyDir)
    expect(findNatsServer(undefined, { searchDirs: ['/nonexistent-dir', emptyDir], installer: nonDebian })).toBe(path)
  })

  test('an explicit NATS_SERVER_BIN that is not executable is an error, not a silent fallback', () => {
    fakeBinary(emptyDir)
    expect(() => findNatsServer(join(emptyDir, 'missing'), { searchDirs: [emptyDir], installer: nonDebian })).toThrow(/NATS_SERVER_BIN=.*missing is not an executable/)
    expect(findNatsServer(join(emptyDir, 'nats-server'), { searchDirs: [], installer: nonDebian })).toBe(join(emptyDir, 'nats-server'))
  })
})
