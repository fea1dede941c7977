// A server's error met after its answer began comes inside the body, at its end; the query stream
// turns that block into the server's error (a limit, 413) instead of a reset connection (503).
import { describe, expect, test } from 'bun:test'
import { ClickHouseError } from '@clickhouse/client'
import { exceptionTag, streamException, withStreamException } from '../../src/store/stream-exception'

const enc = new TextEncoder()
const TAG = 'coqtdxnvpjzljhsi'
const MESSAGE = 'Code: 396. DB::Exception: Limit for result exceeded, max bytes: 4.00 MiB, current bytes: 4.01 MiB. (TOO_MANY_ROWS_OR_BYTES) (version 26.7.2.1)\n'
// As a 26.7 server writes it (captured with curl), after part of a JSON answer.
const BLOCK = `\r\n__exception__\r\n${TAG}\r\n${MESSAGE}${enc.encode(MESSAGE).length} ${TAG}\r\n__exception__\r\n`
const ROWS = '{\n\t"meta": [],\n\t"data":\n\t[\n\t\t{"n": 1},\n\t\t{"n": 2}'

/** A stream of `parts`, then (when `cut`) the reset connection the server leaves behind. */
async function* stream(parts: string[], cut: boolean): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield enc.encode(part)
  if (cut) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
}

async function read(source: AsyncIterable<Uint8Array>): Promise<unknown> {
  try {
    let n = 0
    for await (const chunk of source) n += chunk.length
    return n
  } catch (error) {
    return error
  }
}

describe('an exception inside the answer', () => {
  test('a cut stream ending in the block throws the server error, its code readable', async () => {
    const error = await read(withStreamException(stream([ROWS, BLOCK], true), TAG))
    expect(error).toBeInstanceOf(ClickHouseError)
    expect(error).toMatchObject({ code: '396', type: 'TOO_MANY_ROWS_OR_BYTES' })
  })

  test('a block split across chunks, or a stream that ends without a cut, is found all the same', async () => {
    const at = BLOCK.length - 25
    expect(await read(withStreamException(stream([ROWS, BLOCK.slice(0, 7), BLOCK.slice(7, at), BLOCK.slice(at)], true), TAG))).toMatchObject({ code: '396' })
    expect(await read(withStreamException(stream([ROWS + BLOCK], false), TAG))).toMatchObject({ code: '396' })
  })

  test('a stream cut for another reason keeps its own error; an answer that quotes the marker is data', async () => {
    expect(await read(withStreamException(stream([ROWS], true), TAG))).toMatchObject({ code: 'ECONNRESET' })
    const quoted = `${ROWS},\n\t\t{"s": "__exception__ ${TAG}"}\n\t]\n}\n`
    expect(await read(withStreamException(stream([quoted], false), TAG))).toBe(enc.encode(quoted).length)
    expect(streamException(enc.encode(BLOCK), 'othertag')).toBeUndefined()
  })

  test('the tag comes from the response header; without one the stream is left alone', () => {
    expect(exceptionTag({ 'x-clickhouse-exception-tag': TAG })).toBe(TAG)
    expect(exceptionTag({})).toBeUndefined()
    expect(exceptionTag(undefined)).toBeUndefined()
  })
})
