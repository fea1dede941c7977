// Headless Chromium for the console's browser tests: Debian's `chromium` package driven by
// playwright-core. A missing browser fails the test run loudly (install it: apt-get install -y chromium).
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Every browser launched here: closed (or killed) when the test process exits, whatever happened. */
const launched = new Set<Browser>()
process.once('exit', () => {
  for (const b of launched) {
    const pid = (b as unknown as { _pid?: number })._pid
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
  }
})

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: the browser tests need it (apt-get install -y chromium, or set CHROMIUM_PATH)`)
  }
  // As root in a container Chromium's sandbox cannot start; the page is our own console on loopback.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] })
  launched.add(browser)
  browser.on('disconnected', () => launched.delete(browser))
  return browser
}
