// How every route answers a refusal or a failure: the spec's `message` for the status, sluice's
// sentence under `error`, and Retry-After or Allow where the status calls for one. The sentences a
// client meets on more than one route are written here, once; `errorAnswer` turns any error into
// its answer.
import { DATASET_NAME_RULE } from '../datasets'
import { QueryRejectedError, QueueUnavailableError, SluiceError, StoreUnavailableError } from '../errors'
import { IngestOverloadedError } from '../ingest/inflight-budget'
import type { Logger } from '../log'
import { BUSY_RETRY_AFTER_SECONDS } from '../query/run-query'
import type { KeyKind } from './api-keys'
import { statusResponse } from './responses'

/** The sentences of refusals met on more than one route (or in the API reference as well). */
export const Refusal = {
  ingestKeyCannotRead:
    'This is an ingest key (API_KEYS): it is public and only sends events. Reading stored events takes a query key (QUERY_KEYS, or data/query-key when QUERY_KEYS is unset).',
  unknownQueryKey: 'This key is not a query key of this sluice. Use one from QUERY_KEYS (or data/query-key when QUERY_KEYS is unset).',
  noClickHouse: 'This node runs ROLE=ingest and has no ClickHouse connection.',
  badDataset: (name: string): string => `${JSON.stringify(name.slice(0, 80))} is not a valid dataset name: use ${DATASET_NAME_RULE}.`,
  /** Part of the request may be in JetStream already: the same Idempotency-Key stores it once. */
  queueUnavailable: 'Events cannot be stored right now; retry after the delay in Retry-After (with the same Idempotency-Key to avoid duplicates).',
  /** Refused before any of its events was published (ingest reserves its bytes before publishing). */
  overloaded: (why: string): string => `${why}; nothing of this request was stored: retry after the delay in Retry-After (with the same Idempotency-Key).`,
}

/** 401 on the Events API: the spec's body, word for word. */
export const unauthorised = (): Response => statusResponse(401)

/** 401 on a route that takes a query key only (/query, the console), saying which key it takes. */
export const queryKeyRefused = (kind: KeyKind | undefined): Response =>
  statusResponse(401, { error: kind === 'ingest' ? Refusal.ingestKeyCannotRead : Refusal.unknownQueryKey })

export const badDataset = (name: string): Response => statusResponse(400, { error: Refusal.badDataset(name) })

/** 503 (with Retry-After) on a node that runs no ClickHouse: ROLE=ingest. */
export const noClickHouse = (): Response => statusResponse(503, { error: Refusal.noClickHouse })

/** 405 with the methods the path answers (RFC 9110 15.5.6); the sentence only where one helps. */
export const methodNotAllowed = (allow: string, error?: string): Response => statusResponse(405, error === undefined ? undefined : { error }, { allow })

/** 429: this node runs as much of it as it may at once; Retry-After says when to ask again. */
export const tooManyRequests = (error: string, retryAfterSeconds: number): Response =>
  statusResponse(429, { error }, { 'retry-after': String(retryAfterSeconds) })

/** How a route's failures are logged: what it was doing, and what identifies the request. */
export interface FailureLog {
  logger: Logger
  /** `events request`, `query`: the log line says `<what> failed`. */
  what: string
  fields?: Record<string, unknown>
}

/**
 * The answer to any error a route meets. A SluiceError carries its status, and its message is for
 * the client; anything else is unexpected: 500 with the spec's body only, the details in the log.
 */
export function errorAnswer(error: unknown, { logger, what, fields }: FailureLog): Response {
  if (error instanceof IngestOverloadedError) return statusResponse(503, { error: Refusal.overloaded(error.message) })
  if (error instanceof QueueUnavailableError) {
    // The outage itself is logged once by the NATS connection; one line per refused request is noise.
    logger.debug({ err: error, ...fields }, `${what} refused: queue unavailable`)
    return statusResponse(503, { error: Refusal.queueUnavailable })
  }
  if (error instanceof StoreUnavailableError) logger.warn({ err: error, ...fields }, `${what} failed: ClickHouse unavailable`)
  if (error instanceof QueryRejectedError && error.status === 429) return tooManyRequests(error.message, BUSY_RETRY_AFTER_SECONDS)
  if (error instanceof SluiceError && error.status !== 500) return statusResponse(error.status, { error: error.message })
  logger.error({ err: error, ...fields }, `${what} failed`)
  return statusResponse(500)
}
