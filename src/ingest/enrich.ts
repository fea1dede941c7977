// What sluice adds to each event: a stable _id, the event's time, its service and namespace.
import { createHash, randomUUID } from 'node:crypto'
import { parseIsoTimestamp } from './event-schema'

/**
 * The per-request part of every `_id` and JetStream message id. With an Idempotency-Key it is
 * derived from the API key, the dataset, that key, the x-service / x-namespace headers (they are
 * part of every row) and the body as inflated, so a retry of the
 * same request (byte for byte, however it is compressed or split on the wire) produces the same
 * ids and lands once, while another body sent under a reused key is another request: its ids
 * differ and it lands in full beside the first. Without a key it is random, so two identical
 * bodies both land. Each event's `_id` is `<base>-<index in the request array>`.
 */
export function requestIdBase(
  apiKey: string,
  dataset: string,
  idempotencyKey: string | undefined,
  body: Uint8Array,
  headers: { service: string; namespace: string } = { service: '', namespace: '' },
): string {
  if (idempotencyKey === undefined || idempotencyKey === '') return randomUUID().replaceAll('-', '')
  // Each part prefixed with its length, so no choice of parts can make two different inputs hash alike.
  const parts = [apiKey, dataset, idempotencyKey, headers.service, headers.namespace]
  return createHash('sha256')
    .update(parts.map((part) => `${part.length}:${part}`).join('\0'))
    .update(body)
    .digest('hex')
    .slice(0, 32)
}

export const eventId = (base: string, index: number): string => `${base}-${index}`

/** The event's own time when it carries a valid one (already checked by the schema), else receivedMs. */
export function eventTimeMs(timestamp: unknown, receivedMs: number): number {
  if (typeof timestamp === 'number') return timestamp
  if (typeof timestamp === 'string') {
    const ms = parseIsoTimestamp(timestamp)
    // Before 1970 does not fit DateTime64(3) as sluice stores it; fall back to arrival time.
    if (ms >= 0) return ms
  }
  return receivedMs
}
