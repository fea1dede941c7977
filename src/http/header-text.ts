// Header values as text. Fetch hands a header value over as a ByteString, one character per byte
// (Latin-1), so UTF-8 `café` arrives as `cafÃ©`. Values sluice stores or hashes are read back as the
// text their bytes spell in UTF-8; bytes that spell none are refused, never stored as they came.
import { BadHeaderError } from '../errors'

/** Fatal: bytes that are not UTF-8 throw rather than become U+FFFD. A leading BOM is kept, as sent. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const NON_ASCII = /[^\x00-\x7f]/

/** Whether a header value is ASCII: then its bytes and its characters are the same (nearly every value). */
export const isAscii = (value: string): boolean => !NON_ASCII.test(value)

/** The bytes a header value arrived as. */
export const headerBytes = (value: string): Buffer => Buffer.from(value, 'latin1')

/** The header `name` as the UTF-8 text it was sent as; undefined when absent. Throws BadHeaderError when its bytes are not UTF-8. */
export function utf8Header(headers: Headers, name: string): string | undefined {
  const value = headers.get(name)
  if (value === null) return undefined
  if (isAscii(value)) return value
  try {
    return utf8.decode(headerBytes(value))
  } catch {
    throw new BadHeaderError(name)
  }
}
