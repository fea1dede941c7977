import { describe, expect, test } from 'bun:test'
import { ApiKeys } from '../../src/http/api-keys'

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
})
