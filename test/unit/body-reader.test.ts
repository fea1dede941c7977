import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { BadBodyError } from '../../src/errors'
import { readBody } from '../../src/ingest/body/body-reader'
import { parseContentEncoding, type ContentEncoding } from '../../src/ingest/body/decompress'
import { MAX_WIRE_BYTES } from '../../src/ingest/limits'

/** A request body stream that hands out `bytes` in chunks of `size`, counting what was pulled. */
function chunked(bytes: Uint8Array, size = 64 * 1024) {
  let offset = 0
  // highWaterMark 0: nothing is pulled until the reader asks, as with a socket under backpressure.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + size))
        offset += size
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, pulled: () => Math.min(offset, bytes.length) }
}

async function read(bytes: Uint8Array, encoding: ContentEncoding, maxBytes: number, contentLength?: number) {
  let calls = 0
  const buffer = await readBody(chunked(bytes).stream, { encoding, contentLength, maxBytes, onData: () => calls++ })
  return { text: new TextDecoder().decode(buffer.view()), calls }
}

const payload = new TextEncoder().encode(JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, message: `event number ${i}` }))))

async function expectRefused(promise: Promise<unknown>, status: number, words: string) {
  try {
    await promise
    throw new Error('accepted')
  } catch (error) {
    expect(error).toBeInstanceOf(BadBodyError)
    expect((error as BadBodyError).status).toBe(status as never)
    expect((error as Error).message).toContain(words)
  }
}

describe('reading request bodies', () => {
  test('reads a plain chunked body without Content-Length, reporting each chunk as it arrives', async () => {
    const { text, calls } = await read(payload, 'identity', 6 * 1024 * 1024)
    expect(text).toBe(new TextDecoder().decode(payload))
    expect(calls).toBeGreaterThan(1)
  })

  test.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['deflate', zlib.deflateRawSync],
    ['zstd', zlib.zstdCompressSync],
  ] as const)('inflates %s bodies', async (encoding, compress) => {
    const { text } = await read(compress(payload), encoding, 6 * 1024 * 1024)
    expect(text).toBe(new TextDecoder().decode(payload))
  })

  test('refuses a Content-Length over the limit before reading anything', async () => {
    let pulled = false
    const stream = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 })
    await expectRefused(readBody(stream, { encoding: 'identity', contentLength: 7_000_000, maxBytes: 6 * 1024 * 1024, onData() {} }), 413, 'larger than')
    expect(pulled).toBe(false)
  })

  test('refuses a chunked body as soon as it passes the limit, without reading the rest', async () => {
    const big = new Uint8Array(20 * 1024 * 1024).fill(32)
    const source = chunked(big)
    await expectRefused(readBody(source.stream, { encoding: 'identity', contentLength: undefined, maxBytes: 6 * 1024 * 1024, onData() {} }), 413, 'larger than 6291456 bytes')
    expect(source.pulled()).toBeLessThan(7 * 1024 * 1024)
  })

  test('refuses a small gzip bomb cheaply: it stops inflating at the limit', async () => {
    // 256 MiB of zeros compresses to about 256 KB.
    const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 })
    expect(bomb.length).toBeLessThan(300 * 1024)
    const source = chunked(bomb)
    const started = performance.now()
    await expectRefused(readBody(source.stream, { encoding: 'gzip', contentLength: bomb.length, maxBytes: 6 * 1024 * 1024, onData() {} }), 413, 'once uncompressed')
    expect(performance.now() - started).toBeLessThan(1000)
    // 6 MiB of zeros come from about 6 KB of gzip: the first 64 KB chunk is all it needs.
    expect(source.pulled()).toBe(64 * 1024)
  })

  test('refuses many empty gzip members with 413 after a bounded number of wire bytes', async () => {
    // Each empty member is 20 bytes that inflate to nothing: without a bound on wire bytes, 50 MB of them would be read to the end.
    const member = zlib.gzipSync(Buffer.alloc(0))
    const bomb = Buffer.concat(Array.from({ length: (50 * 1024 * 1024) / member.length }, () => member))
    const source = chunked(bomb)
    const started = performance.now()
    await expectRefused(readBody(source.stream, { encoding: 'gzip', contentLength: undefined, maxBytes: 6 * 1024 * 1024, onData() {} }), 413, 'compressed request body is larger than')
    expect(source.pulled()).toBeLessThanOrEqual(MAX_WIRE_BYTES + 64 * 1024)
    expect(performance.now() - started).toBeLessThan(5000)
  })

  test('refuses a compressed body whose Content-Length passes the wire limit before reading it', async () => {
    let pulled = false
    const stream = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 })
    await expectRefused(readBody(stream, { encoding: 'gzip', contentLength: 1024 * 1024 * 1024, maxBytes: 6 * 1024 * 1024, onData() {} }), 413, 'compressed request body')
    expect(pulled).toBe(false)
  })

  test('asks before each growth of the body buffer, and stops reading when refused', async () => {
    const asked: number[] = []
    const source = chunked(new Uint8Array(4 * 1024 * 1024).fill(32))
    const refusal = new BadBodyError('no room', 400)
    const reading = readBody(source.stream, {
      encoding: 'identity',
      contentLength: undefined,
      maxBytes: 6 * 1024 * 1024,
      onAllocate: (bytes) => {
        asked.push(bytes)
        if (asked.reduce((a, b) => a + b, 0) > 1024 * 1024) throw refusal
      },
      onData() {},
    })
    await expect(reading).rejects.toBe(refusal)
    expect(asked.slice(0, 3)).toEqual([16 * 1024, 48 * 1024, 64 * 1024])
    expect(source.pulled()).toBeLessThan(2 * 1024 * 1024)
  })

  test('a body that trickles in past the deadline is refused with 400, holding little meanwhile', async () => {
    const asked: number[] = []
    // Announces 6 MB, sends 10 bytes, then stalls.
    let sent = false
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => (sent ? new Promise<void>(() => {}) : ((sent = true), c.enqueue(new TextEncoder().encode('[{"a":1},')))) }, { highWaterMark: 0 })
    const started = performance.now()
    const reading = readBody(stream, { encoding: 'identity', contentLength: 6 * 1024 * 1024, maxBytes: 6 * 1024 * 1024, timeoutMs: 300, onAllocate: (b) => asked.push(b), onData() {} })
    await expectRefused(reading, 400, 'did not arrive within 0.3 s')
    expect(performance.now() - started).toBeLessThan(2000)
    expect(asked.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(256 * 1024)
  })

  test('a corrupt compressed body is a 400 that says so', async () => {
    await expectRefused(read(new TextEncoder().encode('this is not gzip at all'), 'gzip', 1024), 400, 'could not be decompressed as gzip')
  })

  test('an empty body reads as empty', async () => {
    expect((await read(new Uint8Array(0), 'identity', 1024)).text).toBe('')
    const buffer = await readBody(null, { encoding: 'gzip', contentLength: 0, maxBytes: 1024, onData() {} })
    expect(buffer.length).toBe(0)
  })
})

describe('Content-Encoding', () => {
  test('knows identity, gzip, x-gzip, deflate and zstd', () => {
    expect(parseContentEncoding(null)).toBe('identity')
    expect(parseContentEncoding('GZIP')).toBe('gzip')
    expect(parseContentEncoding('x-gzip')).toBe('gzip')
    expect(parseContentEncoding('deflate')).toBe('deflate')
    expect(parseContentEncoding('zstd')).toBe('zstd')
  })
  test('refuses others with 415 naming the supported ones', () => {
    expect(() => parseContentEncoding('br')).toThrow('use one of: identity, gzip, deflate, zstd')
  })
})

describe('a client that goes away', () => {
  test('a body that breaks off mid-stream is the request\'s fault (400), not an internal error', async () => {
    let sent = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('socket closed'))
        sent = true
        controller.enqueue(new TextEncoder().encode('[{"a":1},'))
      },
    })
    await expectRefused(readBody(stream, { encoding: 'identity', contentLength: undefined, maxBytes: 1024, onData() {} }), 400, 'could not be read to the end')
  })
})

describe('small plain bodies read whole', () => {
  const post = (body: Uint8Array | ReadableStream<Uint8Array>) => new Request('http://sluice.test/v1/logs', { method: 'POST', body, duplex: 'half' } as RequestInit)
  const small = new TextEncoder().encode(JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ i, message: `event ${i}` }))))

  test('a small body with its Content-Length is read in one piece, its size reserved before it arrives', async () => {
    const asked: number[] = []
    let calls = 0
    const buffer = await readBody(post(small), { encoding: 'identity', contentLength: small.length, maxBytes: 6 * 1024 * 1024, onAllocate: (b) => asked.push(b), onData: () => calls++ })
    expect(new TextDecoder().decode(buffer.view())).toBe(new TextDecoder().decode(small))
    expect(asked).toEqual([small.length])
    expect(calls).toBe(1)
  })

  test('the reservation is asked for before any byte is read: refused, nothing is read', async () => {
    let pulled = false
    const stream = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 })
    const refusal = new BadBodyError('no room', 400)
    const reading = readBody(post(stream), { encoding: 'identity', contentLength: 1000, maxBytes: 6 * 1024 * 1024, onAllocate: () => { throw refusal }, onData() {} })
    await expect(reading).rejects.toBe(refusal)
    expect(pulled).toBe(false)
  })

  test('a small body that stalls is refused with 400 at the deadline', async () => {
    const stream = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) }, { highWaterMark: 0 })
    const started = performance.now()
    await expectRefused(readBody(post(stream), { encoding: 'identity', contentLength: 1000, maxBytes: 6 * 1024 * 1024, timeoutMs: 300, onData() {} }), 400, 'did not arrive within 0.3 s')
    expect(performance.now() - started).toBeLessThan(2000)
  })

  test('a small body that breaks off is a 400', async () => {
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('socket closed')) })
    await expectRefused(readBody(post(stream), { encoding: 'identity', contentLength: 1000, maxBytes: 6 * 1024 * 1024, onData() {} }), 400, 'could not be read to the end')
  })

  test('a body that is not the size it announced is refused', async () => {
    await expectRefused(readBody(post(small), { encoding: 'identity', contentLength: small.length + 5, maxBytes: 6 * 1024 * 1024, onData() {} }), 400, 'Content-Length says')
  })

  test('a small compressed body still goes through the inflate limit: a bomb stops at maxBytes', async () => {
    const bomb = zlib.gzipSync(new Uint8Array(12 * 1024 * 1024).fill(32), { level: 9 })
    expect(bomb.length).toBeLessThan(16 * 1024)
    await expectRefused(readBody(post(bomb), { encoding: 'gzip', contentLength: bomb.length, maxBytes: 6 * 1024 * 1024, onData() {} }), 413, 'once uncompressed')
  })

  test('larger or unannounced plain bodies are still streamed, chunk by chunk', async () => {
    let calls = 0
    await readBody(post(chunked(payload, 8 * 1024).stream), { encoding: 'identity', contentLength: undefined, maxBytes: 6 * 1024 * 1024, onData: () => calls++ })
    expect(calls).toBeGreaterThan(1)
  })
})
