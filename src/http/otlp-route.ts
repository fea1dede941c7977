// POST /otlp/v1/logs and /otlp/v1/traces: OTLP/HTTP (protobuf or JSON, any Content-Encoding sluice
// reads), so OTEL_EXPORTER_OTLP_ENDPOINT=http://<sluice>/otlp works with every SDK and Collector.
// Answers follow OTLP/HTTP: 200 with partial_success, never 202; failures as a google.rpc.Status.
import { Elysia } from 'elysia'
import { isValidDataset } from '../datasets'
import { readBody } from '../ingest/body/body-reader'
import { parseContentEncoding, type ContentEncoding } from '../ingest/body/decompress'
import { type InflightBudget, Reservation } from '../ingest/inflight-budget'
import type { IngestOutcome, IngestRequest } from '../ingest/ingest-request'
import { MAX_BODY_BYTES } from '../ingest/limits'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import { otlpFailure, exported } from '../otlp/answers'
import { otlpEncodingOf, type OtlpEncoding } from '../otlp/decode'
import { exportRecords } from '../otlp/export'
import { OTLP_DEFAULT_DATASETS, type OtlpSignal } from '../otlp/records'
import type { ApiKeys } from './api-keys'
import { errorAnswer, Refusal } from './error-answers'
import { utf8Header } from './header-text'
import { otlpOperation } from './otlp-model'

export interface OtlpRouteDependencies {
  keys: ApiKeys
  ingest(request: IngestRequest): Promise<IngestOutcome>
  metrics: Metrics
  logger: Logger
  /** The ingest role's in-flight byte budget, which OTLP bodies are counted against too; unset: unbounded. */
  budget?: InflightBudget
}

export const METRICS_OUT_OF_SCOPE = 'OTLP metrics are out of scope for sluice: it takes logs (/otlp/v1/logs) and traces (/otlp/v1/traces). Send metrics to a metrics backend.'

const noop = () => {}

/** The ingest key: `x-api-key` when sent, else `Authorization: Bearer <key>` (how OTEL_EXPORTER_OTLP_HEADERS often carries one). */
function ingestKeyOf(headers: Headers): string | null {
  const key = headers.get('x-api-key')
  if (key !== null && key !== '') return key
  const authorization = headers.get('authorization')
  const match = authorization === null ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
  return match === null ? null : match[1]!
}

export function otlpRoutes(deps: OtlpRouteDependencies) {
  const { metrics, logger } = deps
  const answer = (response: Response) => metrics.counted('otlp', response)

  const handle = (signal: OtlpSignal) => async ({ request }: { request: Request }): Promise<Response> => {
    const receivedMs = Date.now()
    const headers = request.headers
    const encoding = otlpEncodingOf(headers.get('content-type'))
    const apiKey = ingestKeyOf(headers)
    if (!deps.keys.accepts(apiKey)) return answer(otlpFailure(401, 'Unauthorised: send an ingest key (API_KEYS) in x-api-key or as Authorization: Bearer <key>.', encoding))
    if (encoding === undefined) {
      return answer(otlpFailure(415, `Content-Type must be application/x-protobuf or application/json (OTLP/HTTP), not ${JSON.stringify((headers.get('content-type') ?? '').slice(0, 80))}.`, undefined))
    }
    const dataset = headers.get('x-dataset') ?? OTLP_DEFAULT_DATASETS[signal]
    if (!isValidDataset(dataset)) return answer(otlpFailure(400, Refusal.badDataset(dataset), encoding))
    const reservation = new Reservation(deps.budget)
    try {
      const contentEncoding: ContentEncoding = parseContentEncoding(headers.get('content-encoding'))
      const idempotencyKey = utf8Header(headers, 'idempotency-key')
      const lengthHeader = headers.get('content-length')
      const body = await readBody(request, {
        encoding: contentEncoding,
        contentLength: lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined,
        maxBytes: MAX_BODY_BYTES,
        onAllocate: (bytes) => reservation.grow(bytes),
        onData: noop,
      })
      try {
        const bytes = body.view()
        metrics.bodyBytes.inc(bytes.byteLength)
        const outcome = await exportRecords(
          { kind: signal, encoding, body: bytes, dataset, apiKey: apiKey!, idempotencyKey, receivedMs, signal: request.signal, budget: deps.budget, reservation },
          deps.ingest,
        )
        metrics.eventsAccepted.inc(outcome.accepted)
        if (outcome.rejected > 0) metrics.eventsRejected.inc(outcome.rejected)
        return answer(exported(signal, encoding, outcome))
      } finally {
        body.release()
      }
    } catch (error) {
      return answer(await failure(error, encoding, logger, { dataset, signal }))
    } finally {
      reservation.release()
    }
  }

  return new Elysia({ name: 'otlp' })
    .post('/otlp/v1/logs', handle('logs'), { parse: 'none', detail: otlpOperation('logs') as never })
    .post('/otlp/v1/traces', handle('traces'), { parse: 'none', detail: otlpOperation('traces') as never })
    .all('/otlp/v1/metrics', ({ request }) => answer(otlpFailure(404, METRICS_OUT_OF_SCOPE, otlpEncodingOf(request.headers.get('content-type')))), { detail: { hide: true } })
}

/** Any error as the Events API would answer it (error-answers.ts decides status and words), as a google.rpc.Status. */
async function failure(error: unknown, encoding: OtlpEncoding, logger: Logger, fields: Record<string, unknown>): Promise<Response> {
  const answer = errorAnswer(error, { logger, what: 'OTLP export', fields })
  const { message, error: why } = (await answer.json()) as { message: string; error?: string }
  const retryAfter = answer.headers.get('retry-after')
  return otlpFailure(answer.status, why ?? message, encoding, retryAfter === null ? {} : { 'retry-after': retryAfter })
}
