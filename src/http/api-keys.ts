// Key checks in constant time: every configured key is kept and compared as a SHA-256 digest
// (key-digest.ts), so neither the content nor the length of a key leaks through timing.
import { timingSafeEqual } from 'node:crypto'
import { configuredDigest, keyDigest } from '../key-digest'
import { headerBytes, isAscii } from './header-text'

/**
 * The digest of a key as a request sent it: over the bytes of the header value (header-text.ts), so a
 * key configured as text beyond ASCII matches the same key sent as UTF-8.
 */
const sentDigest = (key: string): Buffer => keyDigest(isAscii(key) ? key : headerBytes(key))

export class ApiKeys {
  private readonly digests: Buffer[]

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('at least one API key is required')
    this.digests = keys.map(configuredDigest)
  }

  /** `key`: the x-api-key header as the request gives it. */
  accepts(key: string | null | undefined): boolean {
    if (key === null || key === undefined || key === '') return false
    const candidate = sentDigest(key)
    let ok = false
    // No early exit: the time taken does not depend on which key matched.
    for (const known of this.digests) ok = timingSafeEqual(candidate, known) || ok
    return ok
  }
}

/** What a key presented to sluice opens. */
export type KeyKind = 'ingest' | 'query'

/** Both kinds of keys: ingest keys are public (they ship in apps) and send events only; query keys are secret and read data. */
export class AccessKeys {
  constructor(
    readonly ingest: ApiKeys,
    readonly query: ApiKeys,
  ) {}

  /** The kind of the key, or undefined for a missing or unknown one; both lists are always checked. */
  kindOf(key: string | null | undefined): KeyKind | undefined {
    const isQuery = this.query.accepts(key)
    const isIngest = this.ingest.accepts(key)
    return isQuery ? 'query' : isIngest ? 'ingest' : undefined
  }
}
