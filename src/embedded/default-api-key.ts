// The newcomer's key: with no API_KEYS configured, sluice generates one on first start and keeps
// it in DATA_DIR, so the first request works and the key survives restarts.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const API_KEY_FILE = 'api-key'

/** Returns the kept key, creating it (mode 0600) when there is none; `created` says which. */
export function loadOrCreateApiKey(dataDir: string): { key: string; path: string; created: boolean } {
  const path = join(dataDir, API_KEY_FILE)
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim()
    if (key.length > 0) return { key, path, created: false }
  }
  mkdirSync(dataDir, { recursive: true })
  const key = `sk_${randomBytes(24).toString('base64url')}`
  writeFileSync(path, `${key}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return { key, path, created: true }
}
