// Where the running sluice listens, kept in DATA_DIR so that `npm run query` finds it without being
// told: a server started with PORT=8080 in one shell is found from another shell without PORT.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ADDRESS_FILE = 'sluice.url'

/** Records the address of this server, `url` as sluice reaches itself (best effort: a read-only DATA_DIR only costs the CLI a guess). */
export function recordServerAddress(dataDir: string, url: string): void {
  const path = join(dataDir, ADDRESS_FILE)
  try {
    // Written whole then renamed, so a reader never sees half an address.
    writeFileSync(`${path}.tmp`, `${url}\n`)
    renameSync(`${path}.tmp`, path)
  } catch {}
}

/** The address the last sluice started on this DATA_DIR recorded, if any. */
export function readServerAddress(dataDir: string): string | undefined {
  try {
    const url = readFileSync(join(dataDir, ADDRESS_FILE), 'utf8').trim()
    return /^https?:\/\/\S+$/.test(url) ? url : undefined
  } catch {
    return undefined
  }
}
