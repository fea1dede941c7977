// The ids sluice gives events: a base per request (the same for a retry of a keyed request), and
// `<base>-<index>` for each of its events.
import { createHash, randomBytes } from 'node:crypto'
import type { BodyFormat } from '../framing/body-format'

/**
 * Bases of requests without an Idempotency-Key: 80 random bits drawn once per process, then a
 * counter (12 hex digits: 2^48 requests), 32 hex digits in all like a keyed base. Unique across
 * processes and restarts as random ids are (two processes share a prefix with odds of 2^-80),
 * without a random draw per request.
 */
const ONE_OFF_PREFIX = randomBytes(10).toString('hex')
const ONE_OFF_COUNTER_DIGITS = 12
let oneOffCount = 0

function oneOffBase(): string {
  const n = oneOffCount++
  // Past 2^48 a new prefix (not reached in practice: 89 years at 100,000 requests a second).
  if (n >= 2 ** 48) return randomBytes(16).toString('hex')
  return ONE_OFF_PREFIX + n.toString(16).padStart(ONE_OFF_COUNTER_DIGITS, '0')
}

/** What decides a request's rows beside its body: the headers copied into every row, and how the body is read. */
export interface RequestReading {
  service: string
  namespace: string
  /** The same bytes read as an array and as lines are different events at the same indexes. */
  format: BodyFormat
}

/**
 * The per-request part of every `_id` and JetStream message id. With an Idempotency-Key it is
 * derived from the API key, the dataset, that key, how the request reads (the x-service /
 * x-namespace headers, part of every row, and the body format, which decides what each index
 * names) and the body as inflated, so a retry of the same request (byte for byte, however it is
 * compressed or split on the wire) produces the same ids and lands once, while another body, or
 * the same body read otherwise, sent under a reused key is another request: its ids differ and it
 * lands in full beside the first. Without a key it is new for every request (oneOffBase), so two
 * identical bodies both land. Each event's `_id` is `<base>-<index in the request array or line number>`.
 */
export function requestIdBase(apiKey: string, dataset: string, idempotencyKey: string | undefined, body: Uint8Array, reading: RequestReading): string {
  if (idempotencyKey === undefined || idempotencyKey === '') return oneOffBase()
  // Each part prefixed with its length, so no choice of parts can make two different inputs hash alike.
  const parts = [apiKey, dataset, idempotencyKey, reading.service, reading.namespace, reading.format]
  return createHash('sha256')
    .update(parts.map((part) => `${part.length}:${part}`).join('\0'))
    .update(body)
    .digest('hex')
    .slice(0, 32)
}

export const eventId = (base: string, index: number): string => `${base}-${index}`
