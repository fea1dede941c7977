import { describe, expect, test } from 'bun:test'
import { plainIdList } from '../../src/sink/row-writer'

describe('id lists for the landed check', () => {
  test('plain ids are written as literals; anything that would need escaping goes as a parameter', () => {
    expect(plainIdList(['9f0c-0', '9f0c-1'])).toBe("('9f0c-0','9f0c-1')")
    expect(plainIdList(["x'); DROP TABLE t; --"])).toBeUndefined()
    expect(plainIdList(['ok', 'a\\b'])).toBeUndefined()
    expect(plainIdList([''])).toBeUndefined()
    expect(plainIdList([])).toBeUndefined()
  })
})
