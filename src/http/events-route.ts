// POST /v1/<dataset>: the Events API route, and the answers for other methods on it.
import { Elysia } from 'elysia'
import { isValidDataset } from '../datasets'
import { parseContentEncoding } from '../ingest/body/decompress'
import { bodyFormatOf } from '../ingest/framing/body-format'
import type { IngestOutcome, IngestRequest } from '../ingest/ingest-request'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { ApiKeys } from './api-keys'
import { EVENTS_ALLOW } from './cors'
import { badDataset, errorAnswer, methodNotAllowed, unauthorised } from './error-answers'
import { utf8Header } from './header-text'
import { eventsOperation } from './model'
import { accepted, statusResponse } from './responses'

export interface EventsRouteDependencies {
  keys: ApiKeys
  ingest(request: IngestRequest): Promise<IngestOutcome>
  metrics: Metrics
  logger: Logger
}

/**
 * The answers of this route. Bun's router takes a path before the URL is normalised (`/v1/%2e`),
 * so the request surface learns from the answer, not the path, that this route ran (its route name, CORS).
 */
const eventsAnswers = new WeakSet<Response>()

export const answeredByEvents = (response: Response): boolean => eventsAnswers.has(response)

export function eventsRoute(deps: EventsRouteDependencies) {
  const { metrics, logger } = deps
  const answer = (response: Response) => {
    eventsAnswers.add(response)
    return metrics.counted('events', response)
  }

  return new Elysia({ name: 'events' })
    .post(
      '/v1/:dataset',
      async ({ request, params }) => {
        const receivedMs = Date.now()
        const dataset = params.dataset
        if (!isValidDataset(dataset)) return answer(badDataset(dataset))
        const headers = request.headers
        const apiKey = headers.get('x-api-key')
        if (!deps.keys.accepts(apiKey)) return answer(unauthorised())
        try {
          const lengthHeader = headers.get('content-length')
          const outcome = await deps.ingest({
            dataset,
            apiKey: apiKey!,
            // Stored (service, namespace) or hashed into the ids (all three): read as the UTF-8 text sent.
            idempotencyKey: utf8Header(headers, 'idempotency-key'),
            service: utf8Header(headers, 'x-service'),
            namespace: utf8Header(headers, 'x-namespace'),
            body: request,
            encoding: parseContentEncoding(headers.get('content-encoding')),
            format: bodyFormatOf(headers.get('content-type')),
            contentLength: lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined,
            receivedMs,
            signal: request.signal,
          })
          metrics.bodyBytes.inc(outcome.bodyBytes)
          metrics.eventsAccepted.inc(outcome.accepted)
          if (outcome.invalid.length === 0) return answer(accepted())
          metrics.eventsRejected.inc(outcome.rejected)
          const truncated = outcome.rejected > outcome.invalid.length
          return answer(statusResponse(400, { accepted: outcome.accepted, rejected: outcome.rejected, invalid: outcome.invalid, ...(truncated ? { invalidTruncated: true } : {}) }))
        } catch (error) {
          return answer(errorAnswer(error, { logger, what: 'events request', fields: { dataset } }))
        }
      },
      { parse: 'none', detail: eventsOperation as never },
    )
    .all('/v1/:dataset', () => answer(methodNotAllowed(EVENTS_ALLOW)), { detail: { hide: true } })
}
