// POST /v1/<dataset>: the Events API route, and the answers for other methods on it.
import { Elysia } from 'elysia'
import { QueueUnavailableError, SluiceError } from '../errors'
import { parseContentEncoding } from '../ingest/body/decompress'
import { bodyFormatOf } from '../ingest/framing/body-format'
import { IngestOverloadedError } from '../ingest/inflight-budget'
import type { IngestOutcome, IngestRequest } from '../ingest/ingest-request'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { ApiKeys } from './api-keys'
import { eventsOperation, isValidDataset } from './model'
import { accepted, statusResponse } from './responses'

export interface EventsRouteDependencies {
  keys: ApiKeys
  ingest(request: IngestRequest): Promise<IngestOutcome>
  metrics: Metrics
  logger: Logger
}

export function eventsRoute(deps: EventsRouteDependencies) {
  const { metrics, logger } = deps
  const answer = (response: Response) => metrics.counted('events', response)

  return new Elysia({ name: 'events' })
    .post(
      '/v1/:dataset',
      async ({ request, params }) => {
        const receivedMs = Date.now()
        const dataset = params.dataset
        if (!isValidDataset(dataset)) {
          return answer(statusResponse(400, { error: `"${dataset.slice(0, 80)}" is not a valid dataset name: use 1 to 64 letters, digits, _ or -, starting with a letter or digit.` }))
        }
        const headers = request.headers
        const apiKey = headers.get('x-api-key')
        if (!deps.keys.accepts(apiKey)) return answer(statusResponse(401))
        try {
          const lengthHeader = headers.get('content-length')
          const outcome = await deps.ingest({
            dataset,
            apiKey: apiKey!,
            idempotencyKey: headers.get('idempotency-key') ?? undefined,
            service: headers.get('x-service') ?? undefined,
            namespace: headers.get('x-namespace') ?? undefined,
            body: request,
            encoding: parseContentEncoding(headers.get('content-encoding')),
            format: bodyFormatOf(headers.get('content-type')),
            contentLength: lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined,
            receivedMs,
          })
          metrics.bodyBytes.inc(outcome.bodyBytes)
          metrics.eventsAccepted.inc(outcome.accepted)
          if (outcome.invalid.length === 0) return answer(accepted())
          metrics.eventsRejected.inc(outcome.rejected)
          const truncated = outcome.rejected > outcome.invalid.length
          return answer(statusResponse(400, { accepted: outcome.accepted, rejected: outcome.rejected, invalid: outcome.invalid, ...(truncated ? { invalidTruncated: true } : {}) }))
        } catch (error) {
          return answer(errorResponse(error, logger, dataset))
        }
      },
      { parse: 'none', detail: eventsOperation as never },
    )
    .all('/v1/:dataset', () => answer(statusResponse(405)), { detail: { hide: true } })
}

function errorResponse(error: unknown, logger: Logger, dataset: string): Response {
  if (error instanceof IngestOverloadedError) {
    // Refused before any of its events was published (ingest-request.ts reserves before publishing).
    return statusResponse(503, { error: `${error.message}; nothing of this request was stored: retry after the delay in Retry-After (with the same Idempotency-Key).` })
  }
  if (error instanceof QueueUnavailableError) {
    // The outage itself is logged once by the NATS connection; one line per refused request is noise.
    logger.debug({ err: error, dataset }, 'events refused: queue unavailable')
    return statusResponse(503, { error: 'Events cannot be stored right now; retry after the delay in Retry-After (with the same Idempotency-Key to avoid duplicates).' })
  }
  // The client's own fault (bad body, dataset cap) or a node that takes no events: say why.
  if (error instanceof SluiceError && error.status !== 500) return statusResponse(error.status, { error: error.message })
  logger.error({ err: error, dataset }, 'events request failed')
  return statusResponse(500)
}
