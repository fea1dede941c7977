import { describe, expect, test } from 'bun:test'
import { BadHeaderError } from '../../src/errors'
import { utf8Header } from '../../src/http/header-text'

/** Headers as a server hands them over: each byte of the value one character. */
const wire = (value: number[]) => new Headers({ 'x-service': Buffer.from(value).toString('latin1') })

describe('header values read as UTF-8', () => {
  test('ASCII is read as it is, an absent header is undefined', () => {
    expect(utf8Header(new Headers({ 'x-service': 'api-7' }), 'x-service')).toBe('api-7')
    expect(utf8Header(new Headers(), 'x-service')).toBeUndefined()
  })

  test('UTF-8 bytes are the text they spell, a leading BOM included', () => {
    expect(utf8Header(wire([...Buffer.from('café 日本 😀')]), 'x-service')).toBe('café 日本 😀')
    expect(utf8Header(wire([0xef, 0xbb, 0xbf, 0x61]), 'x-service')).toBe('\ufeffa')
  })

  test.each([[[0xe9]], [[0xc3]], [[0xc0, 0xaf]], [[0xed, 0xa0, 0x80]], [[0xf4, 0x90, 0x80, 0x80]], [[0xff]]])('bytes that are not UTF-8 (%p) throw a 400 naming the header', (bytes) => {
    let error: unknown
    try {
      utf8Header(wire(bytes), 'x-service')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(BadHeaderError)
    expect((error as BadHeaderError).status).toBe(400)
    expect((error as Error).message).toStartWith('The x-service header is not UTF-8')
  })
})
