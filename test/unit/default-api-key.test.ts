import { describe, expect, test } from 'bun:test'
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateApiKey } from '../../src/embedded/default-api-key'

describe('generated API key', () => {
  test('is created once, kept private in DATA_DIR, and the same on the next start', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sluice-key-')), 'nested')
    const first = loadOrCreateApiKey(dir)
    expect(first.created).toBe(true)
    expect(first.key).toMatch(/^sk_[A-Za-z0-9_-]{32}$/)
    expect(statSync(first.path).mode & 0o777).toBe(0o600)
    const second = loadOrCreateApiKey(dir)
    expect(second).toEqual({ ...first, created: false })
  })
})
