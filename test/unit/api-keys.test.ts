import { describe, expect, test } from 'bun:test'
import { ApiKeys } from '../../src/http/api-keys'
import { digestForm } from '../../src/key-digest'

describe('API keys', () => {
  const keys = new ApiKeys(['alpha', 'beta-key'])
  test('accepts each configured key', () => {
    expect(keys.accepts('alpha')).toBe(true)
    expect(keys.accepts('beta-key')).toBe(true)
  })
  test('refuses missing, empty, wrong and prefix keys', () => {
    for (const k of [null, undefined, '', 'alph', 'alphaa', 'ALPHA', 'beta']) expect(keys.accepts(k)).toBe(false)
  })
  test('needs at least one key', () => expect(() => new ApiKeys([])).toThrow())
  test('a key beyond ASCII, configured as text or as its digest, matches the header that carries it as UTF-8 (one character per byte)', () => {
    const sent = Buffer.from('clé-ключ').toString('latin1')
    expect(new ApiKeys(['clé-ключ']).accepts(sent)).toBe(true)
    expect(new ApiKeys([digestForm('clé-ключ')]).accepts(sent)).toBe(true)
    // The same characters sent in Latin-1 (é as the byte 0xE9) are other bytes: not the key.
    expect(new ApiKeys(['clé']).accepts('clé')).toBe(false)
  })
})
