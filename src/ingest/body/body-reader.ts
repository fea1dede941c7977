// Reads a request body into one BodyBuffer, inflating it if compressed, and stops as soon as the
// uncompressed size passes the limit: nothing beyond the limit is ever buffered. A small plain body
// whose size is announced is read in one native call; anything else as a stream, chunk by chunk.
import { once } from 'node:events'
import type { Transform } from 'node:stream'
import type { BufferPool } from '../../buffer-pool'
import { BadBodyError, SluiceError } from '../../errors'
import { BODY_READ_TIMEOUT_MS, MAX_WIRE_BYTES } from '../limits'
import { BodyBuffer, type OnAllocate } from './body-buffer'
import { createDecompressor, type ContentEncoding } from './decompress'

export interface ReadBodyOptions {
  encoding: ContentEncoding
  /** The Content-Length header, when the client sent one. */
  contentLength: number | undefined
  maxBytes: number
  /** Compressed bytes read at most (MAX_WIRE_BYTES by default). */
  maxWireBytes?: number
  /** The whole body must arrive within this (BODY_READ_TIMEOUT_MS by default). */
  timeoutMs?: number
  /** Called before the body buffer grows, with the bytes it adds; may throw to stop reading. */
  onAllocate?: OnAllocate
  /** Buffers of maxBytes to reuse for large bodies; the caller releases the BodyBuffer when done. */
  pool?: BufferPool
  /** Called after each append, so the array can be split while the rest is still arriving. */
  onData(buffer: BodyBuffer): void
}

/**
 * A request's body: the request itself (its body is read whole when it is small and its size
 * announced, else as a stream), or just the stream, or nothing.
 */
export type BodySource = Request | ReadableStream<Uint8Array> | null

/** The part of a default stream reader used here (bun-types overloads getReader confusingly). */
interface ByteReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>
  cancel(reason?: unknown): Promise<void>
}

/**
 * Initial buffer at most this, whatever Content-Length says; it grows as bytes really arrive. Small,
 * because a request that sent only its headers holds it against the node's budget until its body
 * times out: the default budget of 160 MiB is 10,240 such buffers (at 256 KiB it would be 640
 * stalled connections, and every other client would be answered 503).
 */
const ANNOUNCED_BYTES_TRUSTED = 16 * 1024

/**
 * Plain bodies of at most this many announced bytes are read whole (Request.bytes()), reserved in
 * full before they arrive: no more than the streamed path's first buffer holds of the budget, so a
 * stalled request costs the node no more either way. Read whole, a 3 KB body costs no stream, no
 * reader and no promise per chunk (a sixth of an ingest node's CPU under 10-event requests).
 */
const WHOLE_READ_MAX_BYTES = ANNOUNCED_BYTES_TRUSTED

const tooLarge = (maxBytes: number) =>
  new BadBodyError(`The request body is larger than ${maxBytes} bytes once uncompressed; send fewer events per request.`, 413)
const tooLargeOnWire = (maxWireBytes: number) =>
  new BadBodyError(`The compressed request body is larger than ${maxWireBytes} bytes; a body that does not shrink when compressed is refused.`, 413)

const lateBody = (timeoutMs: number) => new BadBodyError(`The request body did not arrive within ${timeoutMs / 1000} s; send it faster or in smaller requests.`)
const brokenBody = (error: unknown) => new BadBodyError(`The request body could not be read to the end: ${(error as Error)?.message ?? error}.`)

export function readBody(source: BodySource, options: ReadBodyOptions): Promise<BodyBuffer> {
  const { encoding, contentLength, maxBytes } = options
  const maxWireBytes = options.maxWireBytes ?? MAX_WIRE_BYTES
  if (encoding === 'identity' && contentLength !== undefined && contentLength > maxBytes) return Promise.reject(tooLarge(maxBytes))
  if (encoding !== 'identity' && contentLength !== undefined && contentLength > maxWireBytes) return Promise.reject(tooLargeOnWire(maxWireBytes))
  if (source instanceof Request && encoding === 'identity' && contentLength !== undefined && contentLength <= WHOLE_READ_MAX_BYTES) {
    return readWhole(source, contentLength, options)
  }
  return readStreamed(source instanceof Request ? source.body : source, options, maxWireBytes)
}

async function readStreamed(body: ReadableStream<Uint8Array> | null, options: ReadBodyOptions, maxWireBytes: number): Promise<BodyBuffer> {
  const { encoding, contentLength, maxBytes } = options
  // Sized by what arrives, not by what the client announces: a Content-Length of 6 MB followed by
  // a stall must not hold 6 MB of the node's budget.
  const buffer = new BodyBuffer(Math.min(encoding === 'identity' ? (contentLength ?? ANNOUNCED_BYTES_TRUSTED) : ANNOUNCED_BYTES_TRUSTED, ANNOUNCED_BYTES_TRUSTED), maxBytes, options.onAllocate, options.pool)
  if (body === null) return buffer
  const reader = guarded(body.getReader() as unknown as ByteReader, options.timeoutMs ?? BODY_READ_TIMEOUT_MS)
  try {
    if (encoding === 'identity') await readPlain(reader, buffer, options)
    else await readCompressed(reader, encoding, buffer, options, maxWireBytes)
  } catch (error) {
    buffer.release()
    throw error
  } finally {
    // Releases the socket's data if we stopped early (limit hit, bad encoding).
    reader.cancel().catch(() => {})
  }
  return buffer
}

/**
 * A failed read means the client went away mid-body: its request, not our fault (400, not 500).
 * A body still arriving after timeoutMs is refused the same way, so a client that trickles bytes
 * cannot hold its share of the node's budget for long.
 */
function guarded(reader: ByteReader, timeoutMs: number): ByteReader {
  const deadline = Date.now() + timeoutMs
  return {
    read: async () => {
      const left = deadline - Date.now()
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(lateBody(timeoutMs)), Math.max(0, left))
      })
      try {
        return await Promise.race([
          reader.read().catch((error: unknown) => {
            throw brokenBody(error)
          }),
          late,
        ])
      } finally {
        clearTimeout(timer)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }
}

/**
 * A small plain body of a known size, in one read. Its bytes are reserved before they arrive. Bun
 * reads exactly Content-Length bytes and refuses a request that also sends Transfer-Encoding (400,
 * as RFC 9112 §6.3 allows), so the body cannot outgrow its reservation; one that differs is refused anyway.
 */
function readWhole(request: Request, contentLength: number, options: ReadBodyOptions): Promise<BodyBuffer> {
  try {
    options.onAllocate?.(contentLength)
  } catch (error) {
    return Promise.reject(error)
  }
  const timeoutMs = options.timeoutMs ?? BODY_READ_TIMEOUT_MS
  // Promises and callbacks rather than async and race: this runs for every small request.
  return new Promise<BodyBuffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(lateBody(timeoutMs)), timeoutMs)
    request.bytes().then(
      (bytes) => {
        clearTimeout(timer)
        if (bytes.byteLength !== contentLength) {
          return reject(new BadBodyError(`The request body is ${bytes.byteLength} bytes but its Content-Length says ${contentLength}.`))
        }
        const buffer = new BodyBuffer(bytes, options.maxBytes)
        try {
          options.onData(buffer)
        } catch (error) {
          return reject(error)
        }
        resolve(buffer)
      },
      // Also after the deadline, when the client finally goes (then nobody waits for it any more).
      (error: unknown) => {
        clearTimeout(timer)
        reject(brokenBody(error))
      },
    )
  })
}

async function readPlain(reader: ByteReader, buffer: BodyBuffer, options: ReadBodyOptions) {
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    if (!buffer.append(value)) throw tooLarge(options.maxBytes)
    options.onData(buffer)
  }
}

async function readCompressed(
  reader: ByteReader,
  encoding: Exclude<ContentEncoding, 'identity'>,
  buffer: BodyBuffer,
  options: ReadBodyOptions,
  maxWireBytes: number,
) {
  const first = await reader.read()
  if (first.done) return
  const inflater = createDecompressor(encoding, first.value)
  let stopped = false
  let wireBytes = 0
  // Feeds compressed bytes in while the loop below drains inflated ones; write() backpressure
  // means a bomb is inflated no further than the consumer has read.
  const feed = (async () => {
    let chunk: Uint8Array | undefined = first.value
    while (chunk !== undefined && !stopped) {
      wireBytes += chunk.byteLength
      // Counted as read, not as inflated: many empty gzip members inflate to nothing at all.
      if (wireBytes > maxWireBytes) throw tooLargeOnWire(maxWireBytes)
      if (!inflater.write(chunk)) await drainedOrClosed(inflater)
      const next = await reader.read()
      chunk = next.done ? undefined : next.value
    }
    inflater.end()
  })()
  feed.catch((error) => inflater.destroy(error))
  try {
    for await (const out of inflater as AsyncIterable<Uint8Array>) {
      if (!buffer.append(out)) throw tooLarge(options.maxBytes)
      options.onData(buffer)
    }
  } catch (error) {
    if (error instanceof SluiceError) throw error
    throw new BadBodyError(`The request body could not be decompressed as ${encoding}: ${(error as Error).message}.`)
  } finally {
    stopped = true
    inflater.destroy()
  }
}

/** Waits for 'drain' or 'close', then removes both listeners (a bomb would otherwise pile them up). */
async function drainedOrClosed(emitter: Transform): Promise<void> {
  const stop = new AbortController()
  try {
    await Promise.race([once(emitter, 'drain', { signal: stop.signal }), once(emitter, 'close', { signal: stop.signal })])
  } finally {
    stop.abort()
  }
}
