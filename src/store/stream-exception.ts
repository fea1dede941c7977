// An error a ClickHouse server meets after its answer began (a result limit crossed in the third
// block) cannot change the 200 already sent: the server writes it into the body,
// `__exception__\r\n<tag>\r\n<message>\n<length> <tag>\r\n__exception__\r\n` with the tag of its
// X-ClickHouse-Exception-Tag header, and cuts the connection. The client library reads that block
// in its row streams but not in exec's raw stream, where it surfaces as a reset connection: an
// outage to sluice (503) instead of the limit it is (413). This gives the stream the server's error.
import { ClickHouseError, EXCEPTION_TAG_HEADER_NAME, extractErrorAtTheEndOfChunk } from '@clickhouse/client'

/** Enough of the stream's end for the block: the server's messages are a few hundred bytes. */
const TAIL_BYTES = 64 * 1024

/** The exception tag of an exec's response headers, when the server sent one (25.11 and later). */
export function exceptionTag(headers: Record<string, string | string[] | undefined> | undefined): string | undefined {
  const tag = headers?.[EXCEPTION_TAG_HEADER_NAME]
  return typeof tag === 'string' && tag !== '' ? tag : undefined
}

/** `stream` as it is, except that one ending in the server's exception block throws that exception. */
export async function* withStreamException(stream: AsyncIterable<Uint8Array>, tag: string): AsyncGenerator<Uint8Array> {
  let tail: Uint8Array = new Uint8Array(0)
  try {
    for await (const chunk of stream) {
      tail = keepTail(tail, chunk)
      yield chunk
    }
  } catch (error) {
    throw streamException(tail, tag) ?? error
  }
  const error = streamException(tail, tag)
  if (error) throw error
}

/** The server's error when `tail` ends with its exception block, else undefined. */
export function streamException(tail: Uint8Array, tag: string): ClickHouseError | undefined {
  const end = new TextEncoder().encode(` ${tag}\r\n__exception__\r\n`)
  if (tail.length < end.length || !end.every((byte, i) => tail[tail.length - end.length + i] === byte)) return undefined
  const error = extractErrorAtTheEndOfChunk(tail, tag)
  return error instanceof ClickHouseError ? error : undefined
}

function keepTail(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= TAIL_BYTES) return chunk.slice(chunk.length - TAIL_BYTES)
  const kept = tail.subarray(Math.max(0, tail.length + chunk.length - TAIL_BYTES))
  const next = new Uint8Array(kept.length + chunk.length)
  next.set(kept)
  next.set(chunk, kept.length)
  return next
}
