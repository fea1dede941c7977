// The console's time range comes from the browser (`from` / `to`, ms since the epoch), so it may be
// anything. A range wholly outside the years an event time can take (DateTime64: 1900 to 2299) is a
// client error, 400 with a sentence saying so, never a 500 with a logged stack; a range that only
// overlaps them is clamped and answered. And a path under /console that is no asset is a 404.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
  expect((await p.send('ranges', '[{"message":"x"}]')).status).toBe(202)
  expect(await p.waitForCount('ranges', 1)).toBe(1)
})
afterAll(async () => {
  await p?.stop()
})

const get = (path: string) => fetch(`${p.sluice.url}${path}`, { headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
const LATEST_MS = Date.UTC(2299, 11, 31)

for (const [from, to] of [
  ['1e17', '1e18'],
  ['-1e18', '-1e17'],
  [String(LATEST_MS), '1e300'],
  ['-1e300', String(Date.UTC(1900, 0, 1))],
]) {
  for (const endpoint of ['histogram', 'events']) {
    test(`${endpoint}?from=${from}&to=${to}: 400, saying the range lies outside the times an event can have`, async () => {
      const r = await get(`/console/api/datasets/ranges/${endpoint}?from=${from}&to=${to}`)
      const body = (await r.json()) as { message: string; error: string }
      expect(r.status).toBe(400)
      expect(body.error).toContain('outside the times an event can have')
    })
  }
}

test('a range that only overlaps the years events can take is clamped and answered', async () => {
  for (const endpoint of ['histogram', 'events']) {
    const r = await get(`/console/api/datasets/ranges/${endpoint}?from=${LATEST_MS - 1000}&to=1e18`)
    expect([endpoint, r.status]).toEqual([endpoint, 200])
    await r.arrayBuffer()
  }
  const all = await get(`/console/api/datasets/ranges/events?from=-1e18&to=${Date.now() + 60_000}`)
  expect(((await all.json()) as unknown[]).length).toBe(1)
})

test('GET /console/api, or any path under /console that is no asset, is 404', async () => {
  for (const path of ['/console/api', '/console/nope.js', '/console/main.js.map']) {
    const r = await fetch(`${p.sluice.url}${path}`)
    expect([path, r.status]).toEqual([path, 404])
    await r.arrayBuffer()
  }
})
