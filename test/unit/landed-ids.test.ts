import { describe, expect, test } from 'bun:test'
import { byRequest, plainIdList } from '../../src/sink/landed'

describe('id lists for the landed check', () => {
  test('plain ids are written as literals; anything that would need escaping goes as a parameter', () => {
    expect(plainIdList(['9f0c-0', '9f0c-1'])).toBe("('9f0c-0','9f0c-1')")
    expect(plainIdList(["x'); DROP TABLE t; --"])).toBeUndefined()
    expect(plainIdList(['ok', 'a\\b'])).toBeUndefined()
    expect(plainIdList([''])).toBeUndefined()
    expect(plainIdList([])).toBeUndefined()
  })
})

describe('request keys for the landed check', () => {
  test('plain ids are looked up by their first 32 characters, once per request; others by the whole id', () => {
    const base = '0123456789abcdef0123456789abcdef'
    expect(byRequest([`${base}-0`, `${base}-1`, 'f1', "f'3", 'é-1'])).toEqual({ keys: [base, 'f1'], others: ["f'3", 'é-1'] })
    expect(byRequest([])).toEqual({ keys: [], others: [] })
  })
})
