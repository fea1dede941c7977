// findNatsServer never goes on without a binary: it finds, installs, or says exactly how to install;
// and the server sluice starts is kept running.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { natsAnswers } from '../../src/embedded/nats-process'
import { findNatsServer, NatsServerMissingError, startNatsServer, type NatsInstaller } from '../../src/embedded/nats-server'
import { quietLogger } from '../../src/log'

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

describe('supervised nats-server', () => {
  const storeDirs: string[] = []
  afterEach(() => {
    for (const dir of storeDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const store = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-supervised-'))
    storeDirs.push(dir)
    return dir
  }
  const fast = { probeIntervalMs: 200, probeTimeoutMs: 300, hangKillMs: 1000, firstRestartDelayMs: 50, maxRestartDelayMs: 500 }
  const waitFor = async (check: () => boolean, ms: number) => {
    const deadline = Date.now() + ms
    while (!check() && Date.now() < deadline) await Bun.sleep(20)
    return check()
  }

  test('a server that dies is started again on the same port and store', async () => {
    const server = await startNatsServer({ storeDir: store(), logger: quietLogger, supervise: fast })
    try {
      const first = server.pid!
      process.kill(first, 'SIGKILL')
      expect(await waitFor(() => server.restarts === 1 && server.pid !== undefined && server.pid !== first, 10_000)).toBe(true)
      expect(await natsAnswers(server.port, 1000)).toBe(true)
    } finally {
      await server.stop()
    }
  }, 20_000)

  test('a server that stops answering is killed and started again', async () => {
    const server = await startNatsServer({ storeDir: store(), logger: quietLogger, supervise: fast })
    const first = server.pid!
    try {
      process.kill(first, 'SIGSTOP')
      // The stop takes effect asynchronously: wait until the kernel shows the process stopped (state T).
      const state = () => readFileSync(`/proc/${first}/stat`, 'utf8').split(') ')[1]?.[0]
      expect(await waitFor(() => state() === 'T', 2000)).toBe(true)
      expect(await natsAnswers(server.port, 300)).toBe(false)
      expect(await waitFor(() => server.restarts === 1 && server.pid !== undefined && server.pid !== first, 10_000)).toBe(true)
      expect(await natsAnswers(server.port, 1000)).toBe(true)
    } finally {
      try {
        process.kill(first, 'SIGCONT')
      } catch {}
      await server.stop()
    }
  }, 20_000)

  test('stop() ends supervision: the server stays stopped, even a SIGSTOPped one, within the grace given', async () => {
    const server = await startNatsServer({ storeDir: store(), logger: quietLogger, supervise: fast })
    const pid = server.pid!
    process.kill(pid, 'SIGSTOP')
    const began = Date.now()
    await server.stop(500)
    expect(Date.now() - began).toBeLessThan(2000)
    await Bun.sleep(300)
    expect(server.pid).toBeUndefined()
    expect(server.restarts).toBe(0)
  }, 20_000)
})
