// The set-up step (scripts/setup.ts, run by `npm install`): it installs nats-server when it is
// missing and the machine can, says exactly how otherwise, and fails loudly when installing fails.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aptInstaller, setUp, type Installer } from '../../scripts/setup'
import { defaultSearchDirs, lookup } from '../../src/embedded/nats-binary'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-setup-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const script = (name: string, body: string) => {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}
const noInstall: Installer = {
  unavailableReason: () => 'this is not a Debian-like system (no apt-get found)',
  install: () => {
    throw new Error('install must not be attempted')
  },
}
const collect = () => {
  const lines: string[] = []
  return { lines, say: (line: string) => lines.push(line) }
}

describe('setUp', () => {
  test('a nats-server already on the search path is left alone', () => {
    const bin = script('nats-server', '')
    const out = collect()
    expect(setUp({ searchDirs: [dir], installer: noInstall, say: out.say })).toBe(0)
    expect(out.lines.join('\n')).toContain(bin)
  })

  test('missing on a machine that can install it: installed, and the binary found', () => {
    let installs = 0
    const installer: Installer = { unavailableReason: () => null, install: () => void (installs++, script('nats-server', '')) }
    const out = collect()
    expect(setUp({ searchDirs: [dir], installer, say: out.say })).toBe(0)
    expect(installs).toBe(1)
    expect(out.lines.at(-1)).toContain(join(dir, 'nats-server'))
  })

  test('a failed install fails the set-up with the package manager output and the manual instructions', () => {
    const installer: Installer = {
      unavailableReason: () => null,
      install: () => {
        throw new Error('E: Unable to locate package nats-server')
      },
    }
    const out = collect()
    expect(setUp({ searchDirs: [dir], installer, say: out.say, optional: true })).toBe(1)
    expect(out.lines.join('\n')).toMatch(/Unable to locate package[\s\S]*apt-get install -y nats-server/)
  })

  test('a machine that cannot install gets why and how; only `npm run setup` fails there, npm install goes on', () => {
    const out = collect()
    expect(setUp({ searchDirs: [dir], installer: noInstall, say: out.say })).toBe(1)
    expect(setUp({ searchDirs: [dir], installer: noInstall, say: out.say, optional: true })).toBe(0)
    const text = out.lines.join('\n')
    expect(text).toContain('not a Debian-like system')
    expect(text).toContain(dir)
    expect(text).toContain('apt-get install -y nats-server')
    expect(text).toContain('brew install nats-server')
  })
})

describe('aptInstaller', () => {
  test('needs apt-get and root', () => {
    expect(aptInstaller({ aptGet: undefined, uid: 0 }).unavailableReason()).toContain('no apt-get')
    expect(aptInstaller({ aptGet: '/usr/bin/apt-get', uid: 1000 }).unavailableReason()).toContain('needs root')
    expect(aptInstaller({ aptGet: '/usr/bin/apt-get', uid: 0 }).unavailableReason()).toBeNull()
  })

  test('refreshes empty package lists once, then installs non-interactively', () => {
    const calls = join(dir, 'calls')
    // Like a fresh image: install fails until `apt-get update` has fetched the lists.
    const aptGet = script(
      'apt-get',
      [
        `echo "$* $DEBIAN_FRONTEND" >> ${calls}`,
        `if [ "$1" = update ]; then touch ${dir}/lists; exit 0; fi`,
        `if [ ! -e ${dir}/lists ]; then echo "E: Unable to locate package nats-server" >&2; exit 100; fi`,
        `printf '#!/bin/sh\\n' > ${dir}/nats-server; chmod 755 ${dir}/nats-server`,
      ].join('\n'),
    )
    expect(setUp({ searchDirs: [dir], installer: aptInstaller({ aptGet, uid: 0 }), say: () => {} })).toBe(0)
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['install -y nats-server noninteractive', 'update noninteractive', 'install -y nats-server noninteractive'])
  })

  test('an install that keeps failing reports apt-get output', () => {
    const aptGet = script('apt-get', 'echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100')
    expect(() => aptInstaller({ aptGet, uid: 0 }).install()).toThrow(/exit 100[\s\S]*Could not get lock/)
  })
})

test('npm install runs the set-up, tolerating a machine that cannot install; npm run setup runs it strictly', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dir, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }
  expect(pkg.scripts.postinstall).toBe('bun scripts/setup.ts --optional')
  expect(pkg.scripts.setup).toBe('bun scripts/setup.ts')
})

// Only where nats-server is present, so that running the tests never installs anything.
test('the set-up script run as a program finds an installed nats-server and exits 0', async () => {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, '../../scripts/setup.ts')], { stdout: 'pipe', stderr: 'pipe' })
  const [code, err] = await Promise.all([child.exited, new Response(child.stderr).text()])
  expect(err).toContain('set-up: nats-server is installed')
  expect(code).toBe(0)
})
