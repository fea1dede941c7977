// One Events API request from body to queue: read the body (body/) and, in one pass as it
// arrives, find its elements (framing/) and read the valid events among them without building
// them (fast-path/); judge the rest on the exact path (exact-path/: JSON.parse and validate.ts),
// encode the accepted events as rows and publish them (rows/), then report what was accepted and
// what was not.
//
// Memory per request is bounded whatever the event count: the body (at most 6 MB, counted
// against the node's in-flight budget as it grows), what the pass keeps per element (17 bytes,
// framing/element-run.ts, counted as it grows), one slice of the exact path's parsed elements at
// a time (exact-path/exact-path.ts), a window of chunks awaiting their PubAck
// (rows/publish-window.ts), and the first MAX_LISTED_INVALID invalid entries (exact-path/invalid-list.ts).
import { stillWanted } from '../abortable-sleep'
import { sharedPool } from '../buffer-pool'
import { BadBodyError, ClientGoneError } from '../errors'
import type { EventPublisher, OutgoingChunk } from '../queue/types'
import { type BodySource, readBody } from './body/body-reader'
import type { ContentEncoding } from './body/decompress'
import type { InvalidEvent } from './event/event-schema'
import type { EventLimits } from './event/time-window'
import { ExactPath } from './exact-path/exact-path'
import { EventReader, LiteralStrings } from './fast-path/event-fields'
import { settle } from './fast-path/settle'
import { ArraySplitter, type OnElement } from './framing/array-splitter'
import type { BodyFormat } from './framing/body-format'
import { ElementRun, VALID } from './framing/element-run'
import { LineSplitter } from './framing/line-splitter'
import { type InflightBudget, Reservation } from './inflight-budget'
import { MAX_BODY_BYTES } from './limits'
import { requestIdBase } from './rows/enrich'
import { PUBLISH_WINDOW_CHUNKS, PublishWindow } from './rows/publish-window'
import { RowEncoder } from './rows/row-encoder'

export interface IngestRequest {
  dataset: string
  apiKey: string
  idempotencyKey?: string
  /** x-service / x-namespace headers. */
  service?: string
  namespace?: string
  body: BodySource
  encoding: ContentEncoding
  /** A JSON array (the default) or one event per line (body-format.ts). */
  format?: BodyFormat
  contentLength?: number
  receivedMs: number
  /**
   * Aborted once the client's connection closed: such a request is never answered, so none of it
   * is published (the client, told nothing, sends it again).
   */
  signal?: AbortSignal
}

export interface IngestOutcome {
  accepted: number
  /** Every event not accepted; `invalid` lists the first MAX_LISTED_INVALID of them. */
  rejected: number
  invalid: InvalidEvent[]
  bodyBytes: number
}

/** Admits a dataset name before its events are read (queue/dataset-registry.ts); throws to refuse. */
export interface DatasetGate {
  admit(dataset: string): Promise<void> | void
}

export interface IngestDependencies {
  publisher: EventPublisher
  maxMessageBytes: number
  /** The accepted event time window (config EVENT_MAX_PAST_DAYS / EVENT_MAX_FUTURE_DAYS). */
  eventLimits?: EventLimits
  /** The node's in-flight byte budget; unset: unbounded (unit tests). */
  budget?: InflightBudget
  /** The deployment's dataset cap; unset: any valid name is taken. */
  datasets?: DatasetGate
}

/** Idle buffers kept for reuse across requests: a few requests' worth, so a burst leaves little behind. */
const IDLE_BODIES = 8
const IDLE_CHUNKS = 32
/** Row text around each event (timestamp, service, namespace, id), for sizing the rows' budget. */
const ROW_OVERHEAD_BYTES = 128
/**
 * Memory per body byte that the runtime frees only at its next collection: values the exact path
 * parses, strings, and the rows' copies the NATS client keeps after their ack. 2.5 keeps a node's
 * peak RSS under 500 MB under bodies of 1M tiny events (test/integration/ingest-memory.test.ts):
 * counting only what the exact path parses lets it reach ~680 MB, and 3 (near 440 MB) leaves 4
 * clients of 6 MB tiny-event bodies no room together in the default budget, so some get 503.
 */
const GARBAGE_BYTES_PER_BODY_BYTE = 2.5
/**
 * Rows counted at most per request: the window holds (PUBLISH_WINDOW_CHUNKS + 1) messages, but
 * each one published leaves copies behind until collected; 1M tiny events are ~100 MB of rows.
 */
const MAX_ROWS_RESERVED_BYTES = 32 * 1024 * 1024

/**
 * What encoding costs beyond the body (measured: VmHWM of an ingest node under 16 clients of 6 MB
 * bodies and of 1M-tiny-event bodies, test/integration/ingest-memory.test.ts): garbage, and rows,
 * whose copies in the NATS client outlive their ack until the runtime collects them.
 */
const encodingBytes = (bodyBytes: number, events: number): number =>
  GARBAGE_BYTES_PER_BODY_BYTE * bodyBytes + Math.min(MAX_ROWS_RESERVED_BYTES, bodyBytes + events * ROW_OVERHEAD_BYTES)

/**
 * Throws BadBodyError when the body as a whole is unusable and IngestOverloadedError when the
 * node has no room for the request (nothing is published in either case: all the request's
 * bytes are reserved before its first chunk goes out), QueueUnavailableError when accepted
 * events could not be made durable (some chunks may be stored already then: a retry with the
 * same Idempotency-Key and body lands only the missing ones).
 */
export async function ingestRequest(request: IngestRequest, deps: IngestDependencies): Promise<IngestOutcome> {
  await deps.datasets?.admit(request.dataset)
  const reservation = new Reservation(deps.budget)
  try {
    return await ingest(request, deps, reservation)
  } finally {
    reservation.release()
  }
}

async function ingest(request: IngestRequest, deps: IngestDependencies, reservation: Reservation): Promise<IngestOutcome> {
  // The single pass, as the body arrives: is it one JSON array (or lines), where are its elements,
  // and which of them are valid events (read without being built, fast-path/event-fields.ts)?
  // Nothing is published before the whole body is known to be usable.
  const lines = request.format === 'lines'
  const reader = new EventReader(request.receivedMs, deps.eventLimits, lines)
  const elements = new ElementRun((bytes) => reservation.grow(bytes))
  const splitter = splitterFor(lines, elements, reader)
  const body = await readBody(request.body, {
    encoding: request.encoding,
    contentLength: request.contentLength,
    maxBytes: MAX_BODY_BYTES,
    onAllocate: (bytes) => reservation.grow(bytes),
    pool: sharedPool('bodies', MAX_BODY_BYTES, IDLE_BODIES),
    onData: (buffer) => splitter.push(buffer.bytes, buffer.length),
  })
  try {
    // Throws ArrayBodyError (a 400) when the body is not one complete JSON array (or has no lines).
    splitter.finish()
    if (elements.count === 0) throw new BadBodyError('The request body is an empty array: send at least one event.')
    const bytes = body.view()
    const undecided = settle(bytes, elements, reader)
    reservation.grow(encodingBytes(bytes.length, elements.count))

    // A retry (same key and body) is judged against its own time received: if any verdict could
    // differ (an event near an edge of the time window, or one the exact path judges), its chunks may
    // overlap what this attempt stored under other ids, so the batcher checks what landed. A request
    // without a key has no retry under the same ids, so its chunks may share messages.
    const keyed = request.idempotencyKey !== undefined && request.idempotencyKey !== ''
    // Bun.serve closes a connection, unanswered, when a pipelined request arrives behind a pending
    // answer (docs/delivery.md, "Pipelined requests"); the request learns of it a turn of the event loop later.
    if (request.signal !== undefined && !(await stillWanted(request.signal))) throw new ClientGoneError()
    const marks = { checkLanded: keyed && (reader.nearEdge || undecided), shareable: !keyed }
    const headers = { service: request.service ?? '', namespace: request.namespace ?? '' }
    const idBase = requestIdBase(request.apiKey, request.dataset, request.idempotencyKey, bytes, { ...headers, format: lines ? 'lines' : 'array' })
    const chunkPool = sharedPool('chunks', deps.maxMessageBytes, IDLE_CHUNKS)
    const window = new PublishWindow(deps.publisher, PUBLISH_WINDOW_CHUNKS, chunkPool)
    const send = (chunk: OutgoingChunk, buffer: Buffer) => window.send(chunk, buffer)
    const rows = new RowEncoder({ dataset: request.dataset, idBase, ...headers, ...marks }, bytes, deps.maxMessageBytes, send, { events: elements.count, bytes: bytes.length }, chunkPool)
    const exact = new ExactPath(bytes, elements, request.receivedMs, deps.eventLimits, lines)
    const accepted = await encodeAndPublish(bytes, elements, exact, rows, window)
    return { accepted, rejected: exact.invalid.count, invalid: exact.invalid.listed, bodyBytes: bytes.length }
  } finally {
    // Nothing reads the body after this: rows are copies, chunks in flight have their own buffers.
    body.release()
  }
}

/** The splitter of the body's framing, with the single pass's reader of valid events as its `read` hook. */
function splitterFor(lines: boolean, elements: ElementRun, reader: EventReader): ArraySplitter | LineSplitter {
  const onElement: OnElement = (start, end, kind) => (kind === 'valid' ? elements.pushValid(start, end, reader) : elements.push(start, end))
  const read = (b: Uint8Array, start: number) => reader.read(b, start)
  return lines ? new LineSplitter(onElement, read) : new ArraySplitter(onElement, read)
}

/**
 * Encodes every accepted event of the body as a row, in order, and publishes the rows: an element
 * the single pass found valid with what it read, any other as the exact path judges it. Returns
 * how many events were accepted.
 */
async function encodeAndPublish(bytes: Uint8Array, elements: ElementRun, exact: ExactPath, rows: RowEncoder, window: PublishWindow): Promise<number> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const services = new LiteralStrings(text, elements.services)
  const namespaces = new LiteralStrings(text, elements.namespaces)
  const { starts, ends, state, times, count } = elements
  let accepted = 0
  for (let n = 0; n < count; n++) {
    if (state[n] === VALID) rows.add(n, starts[n]!, ends[n]!, times[n]!, services.at(n), namespaces.at(n))
    else if (exact.accepts(n)) rows.add(n, starts[n]!, ends[n]!, exact.timeMs, exact.service, exact.namespace)
    else continue
    accepted++
    // Only when a chunk was just sealed into a full window: an await per chunk, not per event.
    if (window.full) await window.room()
    // JetStream refused a chunk: the request fails with it, so stop encoding the rest.
    if (window.failed) await window.drain()
  }
  rows.finish()
  await window.drain()
  return accepted
}
