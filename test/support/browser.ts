// Headless Chromium for the console's browser tests: Debian's `chromium` package driven by
// playwright-core. A missing browser fails the test run loudly (install it: apt-get install -y chromium).
// Playwright starts the browser in a process group of its own and kills that group when the test
// process exits (and on SIGINT, SIGTERM, SIGHUP), so a failed test leaves no browser behind; tests
// still close it in afterAll.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: the browser tests need it (apt-get install -y chromium, or set CHROMIUM_PATH)`)
  }
  // As root in a container Chromium's own sandbox cannot start; the pages are sluice's console on loopback.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] })
}
