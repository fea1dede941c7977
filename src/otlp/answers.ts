// OTLP/HTTP answers, in the encoding of the request: 200 with an Export*ServiceResponse (its
// partial_success when records were refused), and every refusal or failure as a google.rpc.Status
// (OTLP/HTTP "Failures"), with Retry-After where the exporter should try again.
import { RETRY_AFTER_SECONDS } from '../http/responses'
import type { OtlpEncoding } from './decode'
import { refusalMessage, type OtlpExportOutcome } from './export'
import { otlpTypes } from './proto'
import type { OtlpSignal } from './records'

const CONTENT_TYPES: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' }

/** gRPC status codes for the HTTP statuses sluice answers (google/rpc/code.proto). */
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 404: 12, 405: 12, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 }

const EMPTY = new Uint8Array(0)

/** 200: every record accepted (an empty response), or some refused (partial_success). */
export function exported(signal: OtlpSignal, encoding: OtlpEncoding, outcome: OtlpExportOutcome): Response {
  const headers = { 'content-type': CONTENT_TYPES[encoding] }
  const noun = signal === 'logs' ? 'log record' : 'span'
  if (outcome.rejected === 0) return new Response(encoding === 'json' ? '{}' : EMPTY, { status: 200, headers })
  const errorMessage = refusalMessage(outcome, noun)
  if (encoding === 'json') {
    const count = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans'
    // int64 as a decimal string, as OTLP/JSON writes it.
    return new Response(JSON.stringify({ partialSuccess: { [count]: String(outcome.rejected), errorMessage } }), { status: 200, headers })
  }
  const types = otlpTypes()
  const partialSuccess = signal === 'logs' ? { rejectedLogRecords: outcome.rejected, errorMessage } : { rejectedSpans: outcome.rejected, errorMessage }
  const type = signal === 'logs' ? types.logsResponse : types.tracesResponse
  return new Response(type.encode(type.create({ partialSuccess })).finish(), { status: 200, headers })
}

/**
 * A refusal or failure: `status` with a google.rpc.Status saying why. An unknown encoding (the 415
 * for a Content-Type OTLP does not use) is answered in JSON.
 */
export function otlpFailure(status: number, message: string, encoding: OtlpEncoding | undefined, headers: Record<string, string> = {}): Response {
  const code = GRPC_CODES[status] ?? 2
  const all: Record<string, string> = { 'content-type': CONTENT_TYPES[encoding ?? 'json'], ...headers }
  if ((status === 503 || status === 429) && all['retry-after'] === undefined) all['retry-after'] = String(RETRY_AFTER_SECONDS)
  if (encoding === 'protobuf') {
    const type = otlpTypes().status
    return new Response(type.encode(type.create({ code, message })).finish(), { status, headers: all })
  }
  return new Response(JSON.stringify({ code, message }), { status, headers: all })
}
