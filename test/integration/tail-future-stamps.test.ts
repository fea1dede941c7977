// Events may be stamped up to EVENT_MAX_FUTURE_DAYS (1 day) ahead by anyone: the ingest key is
// public. Both live tails, and the console's first page of "the newest events", choose by
// `_timestamp`: events stamped hours ahead must neither fill them (200 would fill the console
// tail's whole poll) nor move the point a tail reads from (`npm run query -- --watch`'s). They show
// events stamped up to TAIL_AHEAD_MS ahead of now, and the others when their time comes; a query
// (a range of the console) finds them at any time.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { TAIL_AHEAD_MS } from '../../src/query/console-queries'
import { PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'
import { streamText } from '../support/wait'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  await p?.stop()
})

const HOUR_MS = 3_600_000
const ahead = (n: number) => Array.from({ length: n }, (_, i) => ({ message: `from the future ${i}`, timestamp: new Date(Date.now() + 12 * HOUR_MS + i).toISOString() }))
const get = (path: string, signal?: AbortSignal) => fetch(`${p.sluice.url}${path}`, { headers: { 'x-api-key': PIPELINE_QUERY_KEY }, signal })

test('console tail: an event sent now is shown, whatever others are stamped; one stamped a little ahead when its time comes', async () => {
  expect((await p.send('tail_console', JSON.stringify([...ahead(200), { message: 'already there' }]))).status).toBe(202)
  expect(await p.waitForCount('tail_console', 201)).toBe(201)
  const stop = new AbortController()
  const response = await get('/console/api/datasets/tail_console/tail', stop.signal)
  expect(response.status).toBe(200)
  const tail = streamText(response.body!)
  // The tail's first poll shows what is there already: from then on an event is new to it.
  await tail.contains('already there', 10_000, "the tail's first poll")
  const soon = Date.now() + TAIL_AHEAD_MS + 2000
  const events = [{ message: 'the marker, sent now' }, { message: 'stamped a little ahead', timestamp: new Date(soon).toISOString() }]
  expect((await p.send('tail_console', JSON.stringify(events))).status).toBe(202)
  await tail.contains('the marker, sent now', 10_000)
  await tail.contains('stamped a little ahead', 12_000)
  stop.abort()
  await tail.ended
  expect(tail.text).not.toContain('from the future')
  // Shown when its time came, not before (less the skew allowed).
  expect(Date.now()).toBeGreaterThanOrEqual(soon - TAIL_AHEAD_MS)
}, 25_000)

test('console events page: the newest events up to now; a range finds the ones stamped ahead', async () => {
  expect((await p.send('page', JSON.stringify(ahead(150)))).status).toBe(202)
  expect((await p.send('page', '[{"message":"the marker, sent now"}]')).status).toBe(202)
  expect(await p.waitForCount('page', 151)).toBe(151)
  const newest = (await (await get('/console/api/datasets/page/events')).json()) as { raw: string }[]
  expect(newest.map((e) => JSON.parse(e.raw).message)).toEqual(['the marker, sent now'])
  const later = (await (await get(`/console/api/datasets/page/events?from=${Date.now() + HOUR_MS}&to=${Date.now() + 24 * HOUR_MS}`)).json()) as { raw: string }[]
  expect(later.length).toBe(100)
  expect(later.every((e) => e.raw.includes('from the future'))).toBe(true)
})

test('npm run query -- --watch: an event sent now is printed after one stamped ahead, which waits for its time', async () => {
  expect((await p.send('tail_cli', JSON.stringify([{ message: 'before' }]))).status).toBe(202)
  await p.waitForCount('tail_cli', 1)
  const watch = Bun.spawn(['bun', 'src/cli/query.ts', '--url', p.sluice.url, '--watch', 'tail_cli', '--format', 'ndjson', '--interval-ms', '300'], {
    env: { ...process.env, QUERY_KEYS: PIPELINE_QUERY_KEY, PORT: '', CLICKHOUSE_DATABASE: p.clickhouse.database },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const out = streamText(watch.stdout)
  try {
    await out.contains('before', 10_000)
    // Far ahead, and just inside the skew allowed: neither may move the tail past what comes next.
    const edge = { message: 'at the edge of the skew', timestamp: new Date(Date.now() + TAIL_AHEAD_MS - 200).toISOString() }
    expect((await p.send('tail_cli', JSON.stringify([...ahead(1), edge]))).status).toBe(202)
    await p.waitForCount('tail_cli', 3)
    await out.contains('at the edge of the skew', 5000)
    const soon = Date.now() + TAIL_AHEAD_MS + 1500
    expect((await p.send('tail_cli', JSON.stringify([{ message: 'the marker, sent now' }, { message: 'stamped a little ahead', timestamp: new Date(soon).toISOString() }]))).status).toBe(202)
    await p.waitForCount('tail_cli', 5)
    await out.contains('the marker, sent now', 5000)
    await out.contains('stamped a little ahead', 10_000)
    expect(Date.now()).toBeGreaterThanOrEqual(soon - TAIL_AHEAD_MS)
  } finally {
    watch.kill('SIGINT')
    await watch.exited
    await out.ended
  }
  expect(out.text).not.toContain('from the future')
  const ids = out.text.trim().split('\n').map((l) => (JSON.parse(l) as { _id: string })._id)
  expect(new Set(ids).size).toBe(ids.length)
  expect(ids.length).toBe(4)
}, 40_000)
