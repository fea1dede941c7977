// The newcomer's keys: with no API_KEYS (or QUERY_KEYS) configured, sluice generates one of each
// on first start and keeps it in DATA_DIR, so the first request works and the keys survive restarts.
// The ingest key is public (it ships inside applications); the query key is secret.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const API_KEY_FILE = 'api-key'
export const QUERY_KEY_FILE = 'query-key'

export interface KeptKey {
  key: string
  path: string
  created: boolean
}

/** Returns the kept ingest key, creating it (mode 0600) when there is none; `created` says which. */
export const loadOrCreateApiKey = (dataDir: string): KeptKey => loadOrCreate(dataDir, API_KEY_FILE, 'sk_')

/** Returns the kept query key, creating it (mode 0600) when there is none. */
export const loadOrCreateQueryKey = (dataDir: string): KeptKey => loadOrCreate(dataDir, QUERY_KEY_FILE, 'sq_')

/** The kept query key, or undefined when this DATA_DIR has none (never creates one). */
export function readQueryKey(dataDir: string): string | undefined {
  const path = join(dataDir, QUERY_KEY_FILE)
  if (!existsSync(path)) return undefined
  const key = readFileSync(path, 'utf8').trim()
  return key.length > 0 ? key : undefined
}

function loadOrCreate(dataDir: string, file: string, prefix: string): KeptKey {
  const path = join(dataDir, file)
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim()
    if (key.length > 0) return { key, path, created: false }
  }
  mkdirSync(dataDir, { recursive: true })
  const key = `${prefix}${randomBytes(24).toString('base64url')}`
  writeFileSync(path, `${key}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return { key, path, created: true }
}
