// API key checks in constant time: every configured key is compared as a SHA-256 digest, so
// neither the content nor the length of a key leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (key: string): Buffer => createHash('sha256').update(key).digest()

export class ApiKeys {
  private readonly digests: Buffer[]

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('at least one API key is required')
    this.digests = keys.map(digest)
  }

  accepts(key: string | null | undefined): boolean {
    if (key === null || key === undefined || key === '') return false
    const candidate = digest(key)
    let ok = false
    // No early exit: the time taken does not depend on which key matched.
    for (const known of this.digests) ok = timingSafeEqual(candidate, known) || ok
    return ok
  }
}
