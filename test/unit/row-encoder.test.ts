import { describe, expect, test } from 'bun:test'
import { RowEncoder } from '../../src/ingest/rows/row-encoder'

const enc = new TextEncoder()
const dec = new TextDecoder()
const context = { dataset: 'logs', idBase: 'abc', service: 'api', namespace: 'ns "q"' }

function rowsOf(encoder: RowEncoder) {
  return encoder.finish().map((c) => ({ ...c, rows: dec.decode(c.body).trimEnd().split('\n').map((l) => JSON.parse(l)) }))
}

describe('row encoding', () => {
  test('each row carries time, service, namespace, id and the event bytes as sent', () => {
    const body = enc.encode('[{"a": 1 , "s":"x\\"y"},{"service":"own","b":[1,2]}]')
    const encoder = new RowEncoder(context, body, 1024 * 1024)
    encoder.add(0, 1, 22, 1714564800123)
    encoder.add(1, 23, 50, 7, 'own')
    const [chunk] = rowsOf(encoder)
    expect(chunk!.events).toBe(2)
    expect(chunk!.lastId).toBe('abc-1')
    expect(chunk!.msgId).toBe('abc:0-1')
    expect(chunk!.rows).toEqual([
      { _timestamp: 1714564800123, _service: 'api', _namespace: 'ns "q"', _id: 'abc-0', _raw: { a: 1, s: 'x"y' } },
      { _timestamp: 7, _service: 'own', _namespace: 'ns "q"', _id: 'abc-1', _raw: { service: 'own', b: [1, 2] } },
    ])
    // The event's bytes are embedded exactly, whitespace included.
    expect(dec.decode(encoder.finish()[0]!.body)).toContain('"_raw":{"a": 1 , "s":"x\\"y"}}')
  })

  test('splits rows into chunks under the message size, each with its own id and last row id', () => {
    const event = enc.encode(`{"m":"${'x'.repeat(300)}"}`)
    const encoder = new RowEncoder(context, event, 4096)
    for (let i = 0; i < 40; i++) encoder.add(i, 0, event.length, 1)
    const chunks = rowsOf(encoder)
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.every((c) => c.body.byteLength <= 4096)).toBe(true)
    expect(chunks.reduce((n, c) => n + c.events, 0)).toBe(40)
    // Message ids name the events they carry, not the chunk's position.
    expect(chunks.map((c) => c.msgId)).toEqual(chunks.map((c) => `abc:${c.rows[0]._id.split('-')[1]}-${c.rows.at(-1)._id.split('-')[1]}`))
    expect(new Set(chunks.map((c) => c.msgId)).size).toBe(chunks.length)
    expect(chunks.flatMap((c) => c.rows.map((r: { _id: string }) => r._id))).toEqual(Array.from({ length: 40 }, (_, i) => `abc-${i}`))
    for (const c of chunks) expect(c.lastId).toBe(c.rows.at(-1)._id)
  })

  test('writes large timestamps and indexes exactly', () => {
    const event = enc.encode('{}')
    const encoder = new RowEncoder(context, event, 1024)
    encoder.add(1234567, 0, 2, 253402300799999)
    expect(rowsOf(encoder)[0]!.rows[0]).toMatchObject({ _timestamp: 253402300799999, _id: 'abc-1234567' })
  })

  test.each([0, 9, 10, 999_999_999, 1_000_000_000, 1_000_000_000_005, 1_714_564_800_123, 9_999_999_999_999])('writes the timestamp %p digit for digit', (ms) => {
    const encoder = new RowEncoder(context, enc.encode('{}'), 1024)
    encoder.add(0, 0, 2, ms)
    expect(dec.decode(encoder.finish()[0]!.body)).toStartWith(`{"_timestamp":${ms},`)
  })

  test('no accepted event, no chunk', () => {
    expect(new RowEncoder(context, new Uint8Array(0), 1024).finish()).toEqual([])
  })
})

describe('buffer sizing', () => {
  test('a small request allocates for its own size, not a whole message', () => {
    const event = enc.encode('{"message":"hello"}')
    const encoder = new RowEncoder(context, event, 1024 * 1024, undefined, { events: 2, bytes: 2 * event.length + 3 })
    encoder.add(0, 0, event.length, 1)
    encoder.add(1, 0, event.length, 2)
    const [chunk] = encoder.finish()
    expect(chunk!.events).toBe(2)
    expect(chunk!.body.buffer.byteLength).toBeLessThanOrEqual(2048)
  })

  test('when the guess runs out, rows still land in chunks no bigger than a message', () => {
    const event = enc.encode(`{"m":"${'z'.repeat(500)}"}`)
    const encoder = new RowEncoder(context, event, 8192, undefined, { events: 1, bytes: 10 })
    for (let i = 0; i < 100; i++) encoder.add(i, 0, event.length, 1, `svc-${i % 3}`)
    const chunks = encoder.finish()
    expect(chunks.reduce((n, c) => n + c.events, 0)).toBe(100)
    expect(chunks.every((c) => c.body.byteLength <= 8192)).toBe(true)
    expect(chunks.length).toBeLessThan(20)
  })
})
