// Two kinds of keys: ingest keys (public) send events only; query keys (secret) open /query. Keys
// may be configured as their SHA-256, and a key configured as both kinds is refused at start.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config'
import { ConfigError } from '../../src/errors'
import { loadOrCreateApiKey, loadOrCreateQueryKey, readQueryKey } from '../../src/embedded/default-api-key'
import { AccessKeys, ApiKeys } from '../../src/http/api-keys'
import { digestForm } from '../../src/key-digest'
import { embeddedCapacity } from '../../src/store/query-sessions'

describe('key kinds', () => {
  const access = new AccessKeys(new ApiKeys(['public-1']), new ApiKeys(['secret-1', digestForm('secret-2')]))
  test('tells an ingest key from a query key', () => {
    expect(access.kindOf('public-1')).toBe('ingest')
    expect(access.kindOf('secret-1')).toBe('query')
  })
  test('accepts a key configured as sha256:<hex> of it, and not the digest text itself', () => {
    expect(access.kindOf('secret-2')).toBe('query')
    expect(access.kindOf(digestForm('secret-2'))).toBeUndefined()
  })
  test('a missing or unknown key has no kind', () => {
    for (const k of [null, undefined, '', 'secret', 'public-1 ', 'SECRET-1']) expect(access.kindOf(k)).toBeUndefined()
  })
})

describe('key configuration', () => {
  test('QUERY_KEYS are read like API_KEYS', () => {
    expect(loadConfig({ API_KEYS: 'a', QUERY_KEYS: 'q1, q2' }).queryKeys).toEqual(['q1', 'q2'])
  })
  test('a key that is both an ingest and a query key is a configuration error, in any form', () => {
    for (const env of [{ API_KEYS: 'k', QUERY_KEYS: 'k' }, { API_KEYS: 'k', QUERY_KEYS: digestForm('k') }, { API_KEYS: digestForm('k').toUpperCase().replace('SHA256:', 'sha256:'), QUERY_KEYS: 'k' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      try {
        loadConfig(env)
      } catch (error) {
        expect((error as Error).message).toContain('QUERY_KEYS')
      }
    }
  })
  test('a malformed sha256: key is a configuration error', () => {
    expect(() => loadConfig({ QUERY_KEYS: 'sha256:abc' })).toThrow(ConfigError)
  })
  test('embedded queries leave one of the runtime\'s worker threads to ingest', () => {
    const limits = loadConfig({}).query
    expect(embeddedCapacity(limits)).toEqual({ slots: 1, why: 'UV_THREADPOOL_SIZE=2 less one kept for ingest' })
    expect(embeddedCapacity({ ...limits, workerThreads: 8 })).toEqual({ slots: 2, why: 'QUERY_MAX_CONCURRENT' })
    expect(embeddedCapacity({ ...limits, workerThreads: 1 }).slots).toBe(1)
  })
  test('query limits have their defaults', () => {
    expect(loadConfig({}).query).toEqual({ timeoutMs: 30_000, maxRowsToRead: 1_000_000_000, maxBytesToRead: 10 * 1024 ** 3, maxResultRows: 500_000, maxResultBytes: 32 * 1024 ** 2, maxMemoryBytes: 1024 ** 3, maxConcurrent: 2, workerThreads: 2 })
  })
})

describe('generated keys', () => {
  test('first start keeps an ingest key and a different query key, each readable by the owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-keys-'))
    const ingest = loadOrCreateApiKey(dir)
    const query = loadOrCreateQueryKey(dir)
    expect(query.created).toBe(true)
    expect(query.key).not.toBe(ingest.key)
    expect(statSync(query.path).mode & 0o777).toBe(0o600)
    expect(loadOrCreateQueryKey(dir)).toMatchObject({ key: query.key, created: false })
    expect(readQueryKey(dir)).toBe(query.key)
    expect(readQueryKey(mkdtempSync(join(tmpdir(), 'sluice-keys-')))).toBeUndefined()
  })
})
