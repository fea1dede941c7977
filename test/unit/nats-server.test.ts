// findNatsServer never goes on without a binary and never installs one: it finds it, or says exactly
// how to install it; and the server sluice starts is kept running.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { natsAnswers } from '../../src/embedded/nats-process'
import { findNatsServer, NatsServerMissingError, startNatsServer } from '../../src/embedded/nats-server'
import { quietLogger } from '../../src/log'

let emptyDir: string
beforeEach(() => {
  emptyDir = mkdtempSync(join(tmpdir(), 'sluice-nobin-'))
})
afterEach(() => rmSync(emptyDir, { recursive: true, force: true }))

const fakeBinary = (dir: string, name = 'nats-server', body = '') => {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

const errorOf = (run: () => unknown): Error => {
  try {
    run()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}

describe('findNatsServer', () => {
  test('a missing binary is an error naming the set-up command, where it looked, and the other ways out', () => {
    const err = errorOf(() => findNatsServer(undefined, { searchDirs: [emptyDir] }))
    expect(err).toBeInstanceOf(NatsServerMissingError)
    expect(err.message).toContain(emptyDir)
    expect(err.message).toContain('npm run setup')
    expect(err.message).toContain('apt-get install -y nats-server')
    expect(err.message).toContain('https://github.com/nats-io/nats-server/releases')
    expect(err.message).toContain('NATS_SERVER_BIN=')
    expect(err.message).toContain('NATS_URL=')
  })

  test('never runs a package manager, even with apt-get and sudo on PATH', async () => {
    const marker = join(emptyDir, 'ran')
    for (const tool of ['apt-get', 'apt', 'sudo', 'dpkg']) fakeBinary(emptyDir, tool, `echo "$0 $*" >> ${marker}`)
    const script = `
      import { findNatsServer } from ${JSON.stringify(join(import.meta.dir, '../../src/embedded/nats-server.ts'))}
      try { findNatsServer(undefined, { searchDirs: [${JSON.stringify(emptyDir)}] }) } catch (e) { console.log(e.code) }
    `
    const child = Bun.spawn([process.execPath, '-e', script], { env: { PATH: emptyDir }, stdout: 'pipe', stderr: 'pipe' })
    expect((await new Response(child.stdout).text()).trim()).toBe('NATS_SERVER_MISSING')
    expect(await child.exited).toBe(0)
    expect(() => readFileSync(marker, 'utf8')).toThrow()
  })

  test('no module of the server spawns a package manager or loads the set-up script', () => {
    const src = join(import.meta.dir, '../../src')
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(20)
    for (const file of files) {
      const text = readFileSync(join(src, file), 'utf8')
      expect({ file, spawnsInstaller: /spawn(Sync)?\(\s*\[\s*['"`](apt-get|apt|dpkg|sudo|brew)['"`]/.test(text) }).toEqual({ file, spawnsInstaller: false })
      expect({ file, importsSetup: /(from|import)\s*\(?\s*['"][^'"]*scripts\/setup/.test(text) }).toEqual({ file, importsSetup: false })
    }
  })

  test('startNatsServer with a missing binary fails before anything runs, naming the set-up command', async () => {
    const storeDir = join(emptyDir, 'store')
    const err = await startNatsServer({ bin: join(emptyDir, 'nats-server'), storeDir, logger: quietLogger }).then(() => undefined, (e: Error) => e)
    expect(err).toBeInstanceOf(NatsServerMissingError)
    expect(err!.message).toContain('npm run setup')
    expect(() => readdirSync(storeDir)).toThrow()
  })

  test('prefers the first binary on the search path', () => {
    const path = fakeBinary(emptyDir)
    expect(findNatsServer(undefined, { searchDirs: ['/nonexistent-dir', emptyDir] })).toBe(path)
  })

  test('an explicit NATS_SERVER_BIN that is not executable is an error, not a silent fallback', () => {
    fakeBinary(emptyDir)
    expect(() => findNatsServer(join(emptyDir, 'missing'), { searchDirs: [emptyDir] })).toThrow(/NATS_SERVER_BIN=.*missing is not an executable/)
    expect(findNatsServer(join(emptyDir, 'nats-server'), { searchDirs: [] })).toBe(join(emptyDir, 'nats-server'))
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
