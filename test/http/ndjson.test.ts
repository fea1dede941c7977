// Newline-delimited JSON bodies (application/x-ndjson, application/jsonl): one event per line, the
// same limits and guarantees as an array, errors naming the line.
import { describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { MAX_BODY_BYTES, MAX_EVENT_BYTES } from '../../src/ingest/limits'
import { post, testApp } from '../support/app'

const ndjson = (body: string | Uint8Array, headers: Record<string, string> = {}) => post('/v1/lines', body, { 'content-type': 'application/x-ndjson', ...headers })

describe('NDJSON bodies', () => {
  test('each line is an event, queued byte for byte, under both media types and any parameters', async () => {
    for (const type of ['application/x-ndjson', 'application/jsonl', 'Application/X-NDJSON; charset=utf-8']) {
      const { app, publisher } = testApp()
      const res = await app.handle(post('/v1/lines', '{"message":"a"}\n{"message":"b", "n": [1, 2]}\r\n\n{"message":"c"}', { 'content-type': type }))
      expect(res.status).toBe(202)
      expect(publisher.rawTexts()).toEqual(['{"message":"a"}', '{"message":"b", "n": [1, 2]}', '{"message":"c"}'])
    }
  })

  test('ids count lines, so a line keeps its id whatever blank lines surround others', async () => {
    const { app, publisher } = testApp()
    await app.handle(ndjson('{"a":0}\n\n{"a":2}\n', { 'idempotency-key': 'k1' }))
    const ids = publisher.rows().map((r) => r._id)
    expect(ids[0]!.endsWith('-0')).toBe(true)
    expect(ids[1]!.endsWith('-2')).toBe(true)
  })

  test('bad lines are listed by line index with the same sentences as array elements; the rest is queued', async () => {
    const { app, publisher } = testApp()
    const body = ['{"message":"ok"}', '{"message":1}', 'not json', '', '[1]', '{"a":', '1}', `{"big":"${'x'.repeat(MAX_EVENT_BYTES)}"}`, '{"a":1e400}', '{"last":true}'].join('\n')
    const res = await app.handle(ndjson(body))
    expect(res.status).toBe(400)
    const answer = (await res.json()) as { accepted: number; rejected: number; invalid: { index: number; error: string; field?: string }[] }
    expect(answer.accepted).toBe(2)
    expect(answer.rejected).toBe(7)
    expect(answer.invalid.map((e) => e.index)).toEqual([1, 2, 4, 5, 6, 7, 8])
    expect(answer.invalid[0]).toEqual({ index: 1, field: 'message', error: 'Field "message" must be a string, but it is the number 1.' })
    expect(answer.invalid[1].error).toStartWith('The event is not valid JSON')
    expect(answer.invalid[2].error).toBe('The event must be a JSON object, but it is an array.')
    expect(answer.invalid[5].error).toContain('must be smaller than')
    expect(answer.invalid[6].error).toContain('ClickHouse cannot store')
    expect(publisher.rawTexts()).toEqual(['{"message":"ok"}', '{"last":true}'])
  })

  test('an event pretty-printed over several lines is refused line by line, never joined', async () => {
    const { app, publisher } = testApp()
    const res = await app.handle(ndjson('{"a":1,\n"b":2}\n{"c":3}'))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { invalid: { index: number }[] }).invalid.map((e) => e.index)).toEqual([0, 1])
    expect(publisher.rawTexts()).toEqual(['{"c":3}'])
  })

  test('lines that an array would parse together are still judged one by one', async () => {
    // As one slice `[{"a":1},{"b":[1,2]}]` is two valid values; as lines both are broken.
    const { app, publisher } = testApp()
    const res = await app.handle(ndjson('{"a":1},{"b":[1\n2]}\n{"ok":1}'))
    expect(((await res.json()) as { invalid: { index: number }[] }).invalid.map((e) => e.index)).toEqual([0, 1])
    expect(publisher.rawTexts()).toEqual(['{"ok":1}'])
  })

  test('an empty or blank body is a 400; gzip and the 6 MB limit apply as for arrays', async () => {
    const { app, publisher } = testApp()
    for (const body of ['', '\n\n', '   ']) {
      const res = await app.handle(ndjson(body))
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain('one JSON object per line')
    }
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i, message: 'x'.repeat(50) })).join('\n')
    expect((await app.handle(ndjson(gzipSync(lines), { 'content-encoding': 'gzip' }))).status).toBe(202)
    expect(publisher.rows().length).toBe(1000)
    const tooBig = `${'{"m":"' + 'y'.repeat(1000) + '"}\n'}`.repeat(Math.ceil(MAX_BODY_BYTES / 1000) + 10)
    const before = publisher.chunks.length
    expect((await app.handle(ndjson(tooBig))).status).toBe(413)
    expect(publisher.chunks.length).toBe(before)
  })

  test('other content types are read as a JSON array, as before', async () => {
    const { app } = testApp()
    for (const type of ['application/json', 'text/plain', '']) {
      const res = await app.handle(post('/v1/lines', '{"a":1}\n{"b":2}', { 'content-type': type }))
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain('JSON array')
    }
  })
})

describe('bodies of many bad elements', () => {
  // Past the first 1,000 refusals only their count is needed: certain refusals are then counted
  // without being parsed, while events that are merely unusual are still read on the exact path.
  const unusualButValid = ['{"dur\\u0061tion":5}', '{"a":1e305}', `{"big":${'9'.repeat(250)}}`, '{"\\u006dessage":"escaped key"}']
  const bad = ['1', '{"a":', '[]', '{"a":1}}', '"x"', '{"a":"\\ud800"}', `{"x":${'['.repeat(70)}${']'.repeat(70)}}`, '{"message":5}']

  for (const format of ['array', 'lines'] as const) {
    test(`${format}: refusals past the listed ones are counted, and unusual valid events after them still land`, async () => {
      const { app, publisher } = testApp()
      const elements = [...Array.from({ length: 1600 }, (_, i) => bad[i % bad.length]!), ...unusualButValid, ...Array.from({ length: 400 }, (_, i) => bad[i % bad.length]!), '{"last":1}']
      const body = format === 'array' ? `[${elements.join(',')}]` : elements.join('\n')
      const res = await app.handle(post('/v1/many', body, { 'content-type': format === 'array' ? 'application/json' : 'application/x-ndjson' }))
      const answer = (await res.json()) as { accepted: number; rejected: number; invalid: unknown[]; invalidTruncated?: boolean }
      expect(answer.accepted).toBe(unusualButValid.length + 1)
      expect(answer.rejected).toBe(2000)
      expect(answer.invalid.length).toBe(1000)
      expect(answer.invalidTruncated).toBe(true)
      expect(publisher.rawTexts()).toEqual([...unusualButValid, '{"last":1}'])
    })
  }
})
