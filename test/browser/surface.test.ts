// The surface in a real browser (Debian's chromium): /openapi with the internet cut off, and CORS as
// a page on another origin meets it (it may send events, with gzip and an Idempotency-Key, and may
// not read /query).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { CorsOrigins } from '../../src/cors-origins'
import { sendExamples } from '../../src/http/send-examples'
import { TEST_KEY, TEST_QUERY_KEY, testApp } from '../support/app'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let browser: Browser
const servers: ReturnType<typeof Bun.serve>[] = []
beforeAll(async () => {
  if (!(await Bun.file(CHROMIUM).exists())) throw new Error(`no browser at ${CHROMIUM} (Debian: apt-get install -y chromium, or set CHROMIUM_PATH)`)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, 30_000)
afterAll(async () => {
  await browser?.close()
  for (const s of servers) s.stop(true)
})

/** A sluice app (recording what it would publish) on a port of its own. */
function sluice(corsOrigins?: CorsOrigins) {
  const t = testApp({ corsOrigins })
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => t.app.handle(request) })
  servers.push(server)
  return { ...t, origin: server.url.origin }
}

/** A page served from another origin (another port), as a web application calling sluice. */
async function pageElsewhere(): Promise<{ page: Page; origin: string }> {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('<!doctype html><title>shop</title>', { headers: { 'content-type': 'text/html' } }) })
  servers.push(server)
  const page = await browser.newPage()
  await page.goto(server.url.href)
  return { page, origin: server.url.origin }
}

test('the API reference renders offline and requests nothing from another host', async () => {
  const { origin } = sluice()
  const page = await browser.newPage()
  const elsewhere: string[] = []
  // Everything not served by this sluice is refused, as it would be on a machine without internet.
  await page.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(origin)) return route.continue()
    elsewhere.push(url)
    return route.abort()
  })
  await page.goto(`${origin}/openapi`)
  await page.getByText('Send events').first().waitFor({ timeout: 20_000 })
  await page.waitForLoadState('networkidle')
  if (process.env.SURFACE_SCREENSHOT) await page.screenshot({ path: process.env.SURFACE_SCREENSHOT })
  expect(elsewhere).toEqual([])
  await page.close()
}, 40_000)

describe('CORS from a page on another origin', () => {
  test('the JavaScript send example runs in the page: preflight, gzip, Idempotency-Key, 202, events stored', async () => {
    const s = sluice()
    const { page } = await pageElsewhere()
    const source = sendExamples({ baseUrl: s.origin, dataset: 'browser', apiKey: TEST_KEY }).javascript
    const logged: string[] = []
    page.on('console', (m) => logged.push(m.text()))
    // A module script, as a page would include it (top-level await).
    await page.addScriptTag({ type: 'module', content: `${source}\nwindow.__sent = true` }).catch(() => {})
    await page.waitForFunction('window.__sent === true', undefined, { timeout: 10_000 })
    expect(logged.join('\n')).toContain('202 {"message":"Request Accepted"}')
    expect(s.publisher.rows()).toHaveLength(2)
    await page.close()
  }, 30_000)

  test('a page may read the answer of a refused batch and its Retry-After, but never /query', async () => {
    const s = sluice()
    const { page } = await pageElsewhere()
    const result = await page.evaluate(
      async ({ origin, key, queryKey }) => {
        const refused = await fetch(`${origin}/v1/logs`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '[{"duration":"slow"}]' })
        let query: string
        try {
          const r = await fetch(`${origin}/query`, { method: 'POST', headers: { 'x-api-key': queryKey }, body: 'SELECT 1' })
          query = `read ${r.status}`
        } catch (error) {
          query = `blocked: ${(error as Error).name}`
        }
        return { status: refused.status, body: (await refused.json()) as { invalid: { field: string }[] }, query }
      },
      { origin: s.origin, key: TEST_KEY, queryKey: TEST_QUERY_KEY },
    )
    expect(result.status).toBe(400)
    expect(result.body.invalid[0].field).toBe('duration')
    expect(result.query).toBe('blocked: TypeError')
    await page.close()
  }, 30_000)

  test('with CORS_ORIGINS naming other origins, the page cannot send', async () => {
    const s = sluice(['https://only-this.example'])
    const { page } = await pageElsewhere()
    const outcome = await page.evaluate(async (origin) => {
      try {
        const r = await fetch(`${origin}/v1/logs`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '[{}]' })
        return `read ${r.status}`
      } catch (error) {
        return `blocked: ${(error as Error).name}`
      }
    }, s.origin)
    expect(outcome).toBe('blocked: TypeError')
    // The preflight failed, so the POST itself was never sent.
    expect(s.publisher.rows()).toHaveLength(0)
    await page.close()
  }, 30_000)
})
