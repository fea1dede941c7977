// Keys as sluice keeps them: the SHA-256 digest of each configured key, which a configuration may
// give itself as `sha256:<hex>` so that it need not hold the secret. Shared by the configuration
// checks and the HTTP key checks.
import { hash } from 'node:crypto'

const DIGEST_PREFIX = 'sha256:'
const DIGEST_FORM = /^sha256:[0-9a-fA-F]{64}$/

/** One call, no Hash object: this runs for every request (https://nodejs.org/api/crypto.html#cryptohashalgorithm-data-outputencoding). */
export const keyDigest = (key: string | Uint8Array): Buffer => hash('sha256', key, 'buffer')

/** The digest a configured key stands for: its own SHA-256, or the one it gives as `sha256:<hex>`. */
export function configuredDigest(key: string): Buffer {
  return key.startsWith(DIGEST_PREFIX) ? Buffer.from(key.slice(DIGEST_PREFIX.length), 'hex') : keyDigest(key)
}

/** Hex digest of a configured key, to compare two key lists (configuration checks). */
export const keyDigestHex = (key: string): string => configuredDigest(key).toString('hex').toLowerCase()

/** The digest form of a key, for a configuration that must not hold the key itself. */
export const digestForm = (key: string): string => `${DIGEST_PREFIX}${keyDigest(key).toString('hex')}`

/** A configured key that starts as a digest form but is not one (64 hex digits after `sha256:`). */
export const isMalformedDigestForm = (key: string): boolean => key.startsWith(DIGEST_PREFIX) && !DIGEST_FORM.test(key)
