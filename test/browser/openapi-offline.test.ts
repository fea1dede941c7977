// /openapi in a real browser with the internet cut off: the reference renders from what sluice
// serves, and the page asks nothing of any other host (no CDN script, no web fonts, no telemetry).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { chromium, type Browser } from 'playwright-core'
import { testApp } from '../support/http-app'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let browser: Browser
let server: ReturnType<typeof Bun.serve>
beforeAll(async () => {
  if (!(await Bun.file(CHROMIUM).exists())) throw new Error(`no browser at ${CHROMIUM} (Debian: apt-get install -y chromium, or set CHROMIUM_PATH)`)
  const { app } = testApp()
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => app.handle(request) })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, 30_000)
afterAll(async () => {
  await browser?.close()
  server?.stop(true)
})

test('the API reference renders offline and requests nothing from another host', async () => {
  const page = await browser.newPage()
  const elsewhere: string[] = []
  // Everything not served by this sluice is refused, as it would be on a machine without internet.
  await page.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(server.url.origin)) return route.continue()
    elsewhere.push(url)
    return route.abort()
  })
  await page.goto(new URL('/openapi', server.url).href)
  await page.getByText('Send events').first().waitFor({ timeout: 20_000 })
  await page.waitForLoadState('networkidle')
  if (process.env.SURFACE_SCREENSHOT) await page.screenshot({ path: process.env.SURFACE_SCREENSHOT })
  expect(elsewhere).toEqual([])
  await page.close()
}, 40_000)
