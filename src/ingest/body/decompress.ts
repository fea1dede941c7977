// Content-Encoding support: a streaming decompressor per encoding, so the body limit can be
// counted on inflated bytes while inflating (a small bomb stops after MAX_BODY_BYTES of output).
import zlib from 'node:zlib'
import type { Transform } from 'node:stream'
import { BadBodyError } from '../../errors'

export type ContentEncoding = 'identity' | 'gzip' | 'deflate' | 'zstd'

export const SUPPORTED_ENCODINGS: readonly ContentEncoding[] = ['identity', 'gzip', 'deflate', ...(typeof zlib.createZstdDecompress === 'function' ? (['zstd'] as const) : [])]

/** Reads the Content-Encoding header; an encoding we cannot undo is the client's error (415). */
export function parseContentEncoding(header: string | null): ContentEncoding {
  const value = (header ?? '').trim().toLowerCase()
  if (value === '' || value === 'identity') return 'identity'
  if (value === 'gzip' || value === 'x-gzip') return 'gzip'
  if ((value === 'deflate' || value === 'zstd') && SUPPORTED_ENCODINGS.includes(value)) return value
  throw new BadBodyError(`Content-Encoding "${value}" is not supported; use one of: ${SUPPORTED_ENCODINGS.join(', ')}.`, 415)
}

// zlib emits output in pieces of this size, so the limit check runs at least this often.
const OUTPUT_CHUNK_BYTES = 64 * 1024

/**
 * A decompressor for the encoding. For "deflate", HTTP means the zlib format (RFC 9110 §8.4.1.2)
 * but some clients send raw deflate: firstByte tells them apart (a zlib header is 0x?8 with a
 * checksum over the first two bytes, RFC 1950 §2.2).
 */
export function createDecompressor(encoding: Exclude<ContentEncoding, 'identity'>, firstBytes: Uint8Array): Transform {
  const options = { chunkSize: OUTPUT_CHUNK_BYTES }
  switch (encoding) {
    case 'gzip':
      return zlib.createGunzip(options)
    case 'deflate': {
      const looksZlib = firstBytes.length >= 2 && (firstBytes[0]! & 0x0f) === 8 && ((firstBytes[0]! << 8) | firstBytes[1]!) % 31 === 0
      return looksZlib ? zlib.createInflate(options) : zlib.createInflateRaw(options)
    }
    case 'zstd':
      return zlib.createZstdDecompress(options)
  }
}
