// The console in a real browser: a sluice process and headless Chromium. A person signs in with
// the query key (an ingest key and a wrong key are refused), sees the datasets, runs a query,
// watches a new event arrive in the live tail and finds copy-ready examples. Each page is taken as
// a screenshot: into a temporary directory on every run (the test fails if one cannot be taken),
// and into docs/screenshots/ for the README with SCREENSHOTS=1, so a test run leaves the tree clean.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { freePort } from '../../src/embedded/nats-server'
import { launchChromium } from '../support/browser'
import { PROCESS_KEY, PROCESS_QUERY_KEY, ROOT, spawnSluice, type SluiceProcess } from '../support/sluice-process'
import { specExample } from '../support/spec-example'
import { until, within } from '../support/wait'

const SHOTS = process.env.SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : mkdtempSync(join(tmpdir(), 'sluice-screenshots-'))
const VIEWPORT = { width: 1280, height: 800 }

let sluice: SluiceProcess
let browser: Browser
let page: Page
let dataDir: string
let landed: () => Promise<Record<string, unknown>[]>
/** Set by an event's markup if the console ever rendered event text as HTML. */
const XSS = `<img src=x onerror="window.__injected=1">`

const send = (dataset: string, body: string) =>
  fetch(`${sluice.url}/v1/${dataset}`, { method: 'POST', body, headers: { 'x-api-key': PROCESS_KEY, 'content-type': 'application/json', 'x-service': 'checkout' } })

async function signIn(key = PROCESS_QUERY_KEY): Promise<void> {
  await page.goto(sluice.url)
  await page.fill('#key', key)
  await page.click('button[type=submit]')
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-console-'))
  sluice = spawnSluice({ dataDir, port: await freePort() })
  const ready = sluice.ready()
  browser = await launchChromium()
  await ready
  expect((await send('logs', specExample)).status).toBe(202)
  const now = Date.now()
  const more = [
    { message: 'payment accepted', level: 'info', requestId: 'r-2', duration: 41, timestamp: now - 120_000 },
    { message: 'card declined', level: 'warn', requestId: 'r-3', timestamp: now - 90_000 },
    { message: 'payment service timed out', level: 'error', requestId: 'r-4', timestamp: now - 60_000 },
  ]
  expect((await send('logs', JSON.stringify(more))).status).toBe(202)
  landed = () => sluice.query("SELECT total_rows AS n FROM system.tables WHERE database = 'sluice' AND name = 'logs'")
  await until(async () => Number((await landed())[0]?.n ?? 0) === 5, 15_000, 'the events to land')
  page = await (await browser.newContext({ viewport: VIEWPORT })).newPage()
}, 60_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  try {
    process.kill(-sluice.pid, 'SIGTERM')
  } catch {}
  if (sluice) await within(sluice.proc.exited, 10_000)
  try {
    process.kill(-sluice.pid, 'SIGKILL')
  } catch {}
  rmSync(dataDir, { recursive: true, force: true })
  if (process.env.SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true })
})

describe('the console', () => {
  test('refuses an ingest key and a wrong key, each with a sentence that says why', async () => {
    await signIn(PROCESS_KEY)
    // The answer arrives after the click: wait for it rather than read at once.
    await page.waitForSelector('#signin-error:has-text("ingest key")')
    await page.fill('#key', 'not-a-key')
    await page.click('button[type=submit]')
    await page.waitForSelector('#signin-error:has-text("not a query key")')
    expect(await page.evaluate("sessionStorage.getItem('sluice.queryKey')")).toBeNull()
    await page.screenshot({ path: join(SHOTS, 'sign-in.png') })
  }, 20_000)

  test('signs in with the query key and shows each dataset with its counts, fields, histogram and events', async () => {
    await signIn()
    await page.waitForSelector('#datasets tr[data-dataset="logs"]')
    const row = await page.textContent('#datasets tr[data-dataset="logs"]')
    expect(row).toContain('logs')
    expect(row).toContain('5')
    await page.waitForSelector('#fields code')
    const fields = await page.textContent('#fields')
    expect(fields).toContain('data.requestId')
    expect(fields).toContain('data.data.userId')
    await page.waitForSelector('.chart canvas')
    await page.waitForSelector('#events tr.event')
    expect(await page.textContent('#events')).toContain('This is an example log event')
    // The key is kept for this tab only.
    expect(await page.evaluate("[sessionStorage.getItem('sluice.queryKey'), localStorage.getItem('sluice.queryKey')]")).toEqual([PROCESS_QUERY_KEY, null])
    await page.screenshot({ path: join(SHOTS, 'datasets.png'), fullPage: true })
  }, 20_000)

  test('shows event text as text: markup sent with the public ingest key never runs', async () => {
    expect((await send('logs', JSON.stringify([{ message: XSS, level: '<svg onload="window.__injected=2">', requestId: 'r-5', timestamp: Date.now() - 30_000 }]))).status).toBe(202)
    await until(async () => Number((await landed())[0]?.n ?? 0) === 6, 15_000, 'the event to land')
    await page.reload()
    await page.waitForSelector('#events tr.event:has-text("onerror")')
    await page.waitForSelector('.u-legend:has-text("<svg")')
    expect(await page.textContent('#events')).toContain(XSS)
    expect(await page.evaluate("[window.__injected ?? null, document.querySelectorAll('img[src=x]').length]")).toEqual([null, 0])
  }, 20_000)

  test('selecting a range on the histogram filters the events below it', async () => {
    // Selected at once after a reload, while the first page of events may still be on its way: the
    // range's answer must win whichever comes last.
    await page.reload()
    await page.waitForSelector('.chart .u-over')
    const box = (await page.locator('.chart .u-over').boundingBox())!
    // The last third of the chart holds the spec example (sent now), not the events of 1-2 minutes ago.
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await page.waitForSelector('text=show all')
    // The selection's edges fall on the chart's buckets: what counts is that only recent events stay.
    const shown = async () => (await page.textContent('#events')) ?? ''
    await until(async () => {
      const text = await shown()
      return text.includes('This is an example log event') && !text.includes('card declined') && !text.includes('payment accepted')
    }, 10_000, 'the table to show the selected range only').catch(async (error) => {
      throw new Error(`${(error as Error).message}; the page shows: ${(await page.textContent('#dataset-page, main'))?.slice(0, 1500)}`)
    })
  }, 20_000)

  test('runs a query with Ctrl-Enter and shows rows as a table and as JSON, and keeps it in the history', async () => {
    await page.click('nav a[data-page=query]')
    await page.waitForSelector('#editor .cm-content')
    await page.click('#editor .cm-content')
    await page.keyboard.press('Control+A')
    await page.keyboard.insertText('SELECT data.requestId AS requestId, count() AS n\nFROM sluice.logs\nGROUP BY requestId\nORDER BY requestId')
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('table.results tbody tr')
    expect(await page.locator('table.results tbody tr').count()).toBe(5)
    expect(await page.textContent('table.results')).toContain('6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1')
    expect(await page.textContent('#query-status')).toContain('5 rows')
    await page.screenshot({ path: join(SHOTS, 'query.png'), fullPage: true })
    await page.click('text=JSON')
    expect(JSON.parse((await page.textContent('pre.json'))!)).toContainEqual({ requestId: 'r-2', n: expect.anything() })
    expect(await page.textContent('ul.history')).toContain('GROUP BY requestId')
  }, 20_000)

  test("offers the dataset's fields as completions in the editor", async () => {
    await page.click('#editor .cm-content')
    await page.keyboard.press('Control+A')
    await page.keyboard.type('SELECT data.data.us')
    await page.waitForSelector('.cm-tooltip-autocomplete')
    expect(await page.textContent('.cm-tooltip-autocomplete')).toContain('data.data.userId')
    await page.keyboard.press('Escape')
  }, 20_000)

  test("marks ClickHouse's error where it points in the editor", async () => {
    await page.click('#editor .cm-content')
    await page.keyboard.press('Control+A')
    await page.keyboard.insertText('SELECT requestIdd FROM sluice.logs')
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('#query-error:not([hidden])')
    expect(await page.textContent('#query-error')).toContain('requestIdd')
    await page.waitForSelector('.cm-lintRange-error')
    expect(await page.textContent('.cm-lintRange-error')).toBe('requestIdd')
    await page.screenshot({ path: join(SHOTS, 'query-error.png') })
  }, 20_000)

  test('shows an event ingested while the tail is open within about two seconds, with pause and a filter', async () => {
    await page.click('nav a[data-page=tail]')
    await page.waitForSelector('#tail-state:text-is("live")')
    await page.waitForSelector('#tail tr.event')
    const marker = `tail-${crypto.randomUUID()}`
    const sent = Date.now()
    expect((await send('logs', JSON.stringify([{ message: marker, level: 'info' }]))).status).toBe(202)
    await page.waitForSelector(`#tail tr.event:has-text("${marker}")`, { timeout: 10_000 })
    const latencyMs = Date.now() - sent
    console.log(`live tail: an event appeared ${latencyMs} ms after its 202 request was sent`)
    expect(latencyMs).toBeLessThan(3000)
    await page.screenshot({ path: join(SHOTS, 'tail.png') })
    await page.fill('#tail-filter', marker)
    expect(await page.locator('#tail tr.event:visible').count()).toBe(1)
    await page.fill('#tail-filter', '')

    await page.click('#tail-pause')
    const paused = `paused-${crypto.randomUUID()}`
    expect((await send('logs', JSON.stringify([{ message: paused }]))).status).toBe(202)
    await page.waitForSelector('#tail-state:text-is("paused, 1 new")', { timeout: 10_000 })
    expect(await page.locator(`#tail tr.event:has-text("${paused}")`).count()).toBe(0)
    await page.click('#tail-pause')
    await page.waitForSelector(`#tail tr.event:has-text("${paused}")`)
  }, 20_000)

  test('gives copy-ready examples for this server and dataset, each with an Idempotency-Key and gzip', async () => {
    await page.click('nav a[data-page=send]')
    await page.waitForSelector('pre.code[data-language=go]')
    for (const language of ['curl', 'javascript', 'python', 'go']) {
      const code = (await page.textContent(`pre.code[data-language=${language}]`))!
      expect(code).toContain(sluice.url)
      expect(code).toContain('/v1/logs')
      expect(code.toLowerCase()).toContain('idempotency-key')
      expect(code.toLowerCase()).toContain('gzip')
      expect(code).toContain(PROCESS_KEY)
    }
    for (const block of ['otel-environment', 'otel-collector']) expect(await page.textContent(`pre.code[data-language=${block}]`)).toContain(`${sluice.url}/otlp`)
    await page.screenshot({ path: join(SHOTS, 'send.png'), fullPage: true })
  }, 20_000)
})

describe('the console of a sluice without events', () => {
  let empty: SluiceProcess
  let emptyDir: string
  beforeAll(async () => {
    emptyDir = mkdtempSync(join(tmpdir(), 'sluice-console-empty-'))
    empty = spawnSluice({ dataDir: emptyDir, port: await freePort() })
    await empty.ready()
  }, 30_000)
  afterAll(async () => {
    try {
      process.kill(-empty.pid, 'SIGTERM')
    } catch {}
    if (empty) await within(empty.proc.exited, 10_000)
    try {
      process.kill(-empty.pid, 'SIGKILL')
    } catch {}
    rmSync(emptyDir, { recursive: true, force: true })
  })

  test('says how to send the first events', async () => {
    const fresh = await (await browser.newContext({ viewport: VIEWPORT })).newPage()
    try {
      await fresh.goto(empty.url)
      await fresh.fill('#key', PROCESS_QUERY_KEY)
      await fresh.click('button[type=submit]')
      await fresh.waitForSelector('text=No events yet')
      await fresh.waitForSelector('pre.code[data-language=curl]')
      const curl = await fresh.textContent('pre.code[data-language=curl]')
      expect(curl).toContain(empty.url)
      expect(curl).toContain('/v1/logs')
      await fresh.screenshot({ path: join(SHOTS, 'empty.png') })
    } finally {
      await fresh.context().close()
    }
  }, 20_000)
})
