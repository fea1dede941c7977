// One OTLP export request from decoded body to JetStream: its records mapped to events (records.ts)
// and handed to ingest as NDJSON (ndjson-parts.ts), so each record is judged and stored exactly
// as an event of the Events API is; ingest's verdicts are then named by record.
import { createHash } from 'node:crypto'
import type { InvalidEvent } from '../ingest/event/event-schema'
import { IngestOverloadedError, type InflightBudget, type Reservation } from '../ingest/inflight-budget'
import type { IngestOutcome, IngestRequest } from '../ingest/ingest-request'
import { BadBodyError } from '../errors'
import { decodeExport, requestName, type OtlpEncoding } from './decode'
import { NdjsonParts } from './ndjson-parts'
import { mapRecords, type OtlpSignal } from './records'
import { OtlpShapeError } from './values'

/** Refusals named in a partial success's error_message. */
export const LISTED_REFUSALS = 5

export interface OtlpExportRequest {
  /** Logs or traces. */
  kind: OtlpSignal
  encoding: OtlpEncoding
  /** The body as inflated. */
  body: Uint8Array
  dataset: string
  apiKey: string
  /** The client's own Idempotency-Key, when it sent one; else one is derived from the body. */
  idempotencyKey?: string
  receivedMs: number
  signal?: AbortSignal
  /** The node's in-flight budget; unset: unbounded. */
  budget?: InflightBudget
  /** What the request holds of the budget (its body, then its parts); grows or throws IngestOverloadedError (503). */
  reservation: Reservation
}

export interface OtlpExportOutcome {
  records: number
  accepted: number
  rejected: number
  /** The first LISTED_REFUSALS refused records, by index in the request. */
  refused: InvalidEvent[]
}

/**
 * Heap the decoded request takes per body byte, at worst: measured with protobufjs on 6 MB bodies
 * of empty records, resources or scopes (68.5; attributes 28.5, JSON 20 or less). Held of the
 * budget while the body is decoded and mapped, which runs without a pause (one request's decoded
 * body at a time per process), and given back before its events go to JetStream.
 */
export const DECODED_BYTES_PER_BODY_BYTE = 70

export type Ingest = (request: IngestRequest) => Promise<IngestOutcome>

export async function exportRecords(request: OtlpExportRequest, ingest: Ingest): Promise<OtlpExportOutcome> {
  const { body, reservation } = request
  const parts = new NdjsonParts(2 * body.byteLength, (bytes) => reservation.grow(bytes), LISTED_REFUSALS)
  const records = whileDecoding(request.budget, reservation, DECODED_BYTES_PER_BODY_BYTE * body.byteLength, () => {
    const { request: decoded, codec } = decodeExport(request.kind, request.encoding, body)
    try {
      return mapRecords(request.kind, decoded, codec, (line) => parts.add(line))
    } catch (error) {
      if (error instanceof OtlpShapeError) throw new BadBodyError(`The body is not an ${requestName(request.kind)} in OTLP/JSON: ${error.message}.`)
      throw error
    }
  })
  const outcome: OtlpExportOutcome = { records, accepted: 0, rejected: parts.refusedCount, refused: parts.refused.slice() }
  if (records === 0) return outcome
  const key = request.idempotencyKey || derivedKey(request)
  const all = parts.finish()
  for (let n = 0; n < all.length; n++) {
    const part = all[n]!
    if (part.events === 0) continue
    // A part's key names its place in the request, so a retry gives every part the ids it had.
    const result = await ingest({
      dataset: request.dataset,
      apiKey: request.apiKey,
      idempotencyKey: `${key}/${n}`,
      body: oneChunk(part.bytes),
      encoding: 'identity',
      format: 'lines',
      contentLength: part.bytes.byteLength,
      receivedMs: request.receivedMs,
      signal: request.signal,
    })
    outcome.accepted += result.accepted
    outcome.rejected += result.rejected
    for (const invalid of result.invalid.slice(0, LISTED_REFUSALS)) outcome.refused.push({ ...invalid, index: part.first + invalid.index })
  }
  outcome.refused.sort((a, b) => a.index - b.index)
  outcome.refused.length = Math.min(outcome.refused.length, LISTED_REFUSALS)
  return outcome
}

/**
 * OTLP exporters retry a failed export with the same body and no key of their own: the key is the
 * SHA-256 of the route, the dataset and the body as inflated, so a retry within JetStream's
 * duplicate window (NATS_DUPLICATE_WINDOW_MS) lands once. Two exports of identical bytes are one
 * export: every record carries its own times and ids, so two real exports are never identical.
 */
export function derivedKey(request: Pick<OtlpExportRequest, 'kind' | 'dataset' | 'body'>): string {
  return createHash('sha256').update(`otlp/v1/${request.kind}\0${request.dataset}\0`).update(request.body).digest('hex').slice(0, 32)
}

/**
 * Holds `bytes` of the budget while `work` runs, for a request that holds `reservation` already (so
 * a request alone on the node always fits, as ingest's own reservations do).
 */
function whileDecoding<T>(budget: InflightBudget | undefined, reservation: Reservation, bytes: number, work: () => T): T {
  if (budget !== undefined && !budget.tryTake(bytes, reservation.bytes)) {
    throw new IngestOverloadedError(`This node is at its limit of ${budget.maxBytes} bytes of requests in flight`)
  }
  try {
    return work()
  } finally {
    budget?.give(bytes)
  }
}

function oneChunk(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}

/** The sentence of a partial success: how many records were refused, and why the first of them were. */
export function refusalMessage(outcome: OtlpExportOutcome, noun: string): string {
  const listed = outcome.refused.map((r) => `${noun} ${r.index}: ${r.error}`).join('; ')
  const more = outcome.rejected > outcome.refused.length ? ` (the first ${outcome.refused.length} listed)` : ''
  return `${outcome.rejected} of ${outcome.records} ${noun}s were refused${more}: ${listed}`
}
