// One Events API request from body to queue: read the body and, in one pass as it arrives, find
// its elements and read the valid events among them without building them (event-fields.ts);
// check the rest on the exact path (JSON.parse and validate.ts), encode the accepted events as
// rows and publish them, then report what was accepted and what was not.
//
// Memory per request is bounded whatever the event count: the body (at most 6 MB, counted
// against the node's in-flight budget as it grows), what the pass keeps per element (17 bytes,
// element-run.ts, counted as it grows), one slice of the exact path's parsed elements at a time
// (element-slices.ts), a window of chunks awaiting their PubAck (publish-window.ts), and the
// first MAX_LISTED_INVALID invalid entries (invalid-list.ts).
import { isUtf8 } from 'node:buffer'
import { sharedPool } from '../buffer-pool'
import { BadBodyError } from '../errors'
import { LBRACE } from '../json/bytes'
import type { EventPublisher } from '../queue/types'
import { type BodySource, readBody } from './body/body-reader'
import type { ContentEncoding } from './body/decompress'
import { eventTimeMs, type InvalidEvent } from './event/event-schema'
import { parseElement, parseRun } from './exact-path/element-slices'
import { InvalidList } from './exact-path/invalid-list'
import { checkEvent, type EventLimits, type EventSource } from './exact-path/validate'
import { EventReader, LiteralStrings } from './fast-path/event-fields'
import { ArraySplitter, type OnElement } from './framing/array-splitter'
import type { BodyFormat } from './framing/body-format'
import { ElementRun, REFUSED, VALID } from './framing/element-run'
import { LineSplitter } from './framing/line-splitter'
import { type InflightBudget, Reservation } from './inflight-budget'
import { MAX_BODY_BYTES, MAX_EVENT_BYTES } from './limits'
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
/** Body bytes per parse slice: small enough that its parsed values are a few MB at most. */
const SLICE_BYTES = 64 * 1024
/** Row text around each event (timestamp, service, namespace, id), for sizing the rows' budget. */
const ROW_OVERHEAD_BYTES = 128
/**
 * Memory per body byte that the runtime frees only at its next collection: values the exact path
 * parses, strings, and the rows' copies the NATS client keeps after their ack. Measured with
 * test/integration/ingest-memory.test.ts: counting only what the exact path parses let a node's
 * peak RSS reach 682 MB under 1M-tiny-event bodies; 2.5 per body byte holds it under 500 MB (3
 * held it near 440 MB but left 4 clients of 6 MB tiny-event bodies answered 503 by the default budget).
 */
const GARBAGE_BYTES_PER_BODY_BYTE = 2.5
/**
 * Rows counted at most per request: the window holds (PUBLISH_WINDOW_CHUNKS + 1) messages, but
 * each one published leaves copies behind until collected; 1M tiny events are ~100 MB of rows.
 */
const MAX_ROWS_RESERVED_BYTES = 32 * 1024 * 1024

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
  // The single pass, as the body arrives: is it one JSON array, where are its elements, and which
  // of them are valid events (read without being built, event-fields.ts)? Nothing is published
  // before the whole body is known to be usable.
  const lines = request.format === 'lines'
  const reader = new EventReader(request.receivedMs, deps.eventLimits, lines)
  const elements = new ElementRun((bytes) => reservation.grow(bytes))
  const onElement: OnElement = (start, end, kind) => (kind === 'valid' ? elements.pushValid(start, end, reader) : elements.push(start, end))
  const read = (b: Uint8Array, start: number) => reader.read(b, start)
  const splitter = lines ? new LineSplitter(onElement, read) : new ArraySplitter(onElement, read)
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
    const { exactPath } = settle(bytes, elements, reader)
    // A retry (same key and body) is judged against its own time received: if any verdict could
    // differ (an event near an edge of the time window, or one the exact path judges), its chunks may
    // overlap what this attempt stored under other ids, so the batcher checks what landed.
    const keyed = request.idempotencyKey !== undefined && request.idempotencyKey !== ''
    const checkLanded = keyed && (reader.nearEdge || exactPath)
    return await encodeAndPublish(request, deps, reservation, bytes, elements, lines, checkLanded, !keyed)
  } finally {
    // Nothing reads the body after this: rows are copies, chunks in flight have their own buffers.
    body.release()
  }
}

/**
 * Completes the single pass once the whole body is there: reads the events that arrived cut in two
 * (the pass stops at the end of the data), and takes back the validity of events that are not
 * UTF-8 (checked here once for the whole body, natively).
 */
function settle(bytes: Uint8Array, elements: ElementRun, reader: EventReader): { exactPath: boolean } {
  let exactPath = false
  const { starts, ends, state, count } = elements
  const utf8 = isUtf8(bytes)
  for (let n = 0; n < count; n++) {
    const start = starts[n]!
    const end = ends[n]!
    if (state[n] !== VALID) {
      if (bytes[start] !== LBRACE || end - start >= MAX_EVENT_BYTES) state[n] = REFUSED
      else {
        // The reader sees only the element, so no read runs on past it into later lines.
        const read = reader.read(bytes.subarray(0, end), start)
        if (read === end) elements.setValid(n, reader)
        else if (read >= 0 || reader.certainlyInvalid) state[n] = REFUSED
      }
    }
    if (!utf8 && state[n] !== REFUSED && !isUtf8(bytes.subarray(start, end))) state[n] = REFUSED
    if (state[n] === 0) exactPath = true
  }
  return { exactPath }
}

/** Encodes and publishes the valid events of a body that is one JSON array; checks the rest on the exact path. */
async function encodeAndPublish(request: IngestRequest, deps: IngestDependencies, reservation: Reservation, bytes: Uint8Array, elements: ElementRun, lines: boolean, checkLanded: boolean, shareable: boolean): Promise<IngestOutcome> {
  const count = elements.count
  // What encoding costs beyond the body (measured: VmHWM of an ingest node under 16 clients of
  // 6 MB bodies and of 1M-tiny-event bodies, test/integration/ingest-memory.test.ts): garbage, and
  // rows, whose copies in the NATS client outlive their ack until the runtime collects them.
  reservation.grow(GARBAGE_BYTES_PER_BODY_BYTE * bytes.length + Math.min(MAX_ROWS_RESERVED_BYTES, bytes.length + count * ROW_OVERHEAD_BYTES))
  const chunkPool = sharedPool('chunks', deps.maxMessageBytes, IDLE_CHUNKS)
  const window = new PublishWindow(deps.publisher, PUBLISH_WINDOW_CHUNKS, chunkPool)
  const headers = { service: request.service ?? '', namespace: request.namespace ?? '' }
  const reading = { ...headers, format: lines ? 'lines' : 'array' } as const
  const encoder = new RowEncoder(
    { dataset: request.dataset, idBase: requestIdBase(request.apiKey, request.dataset, request.idempotencyKey, bytes, reading), ...headers, checkLanded, shareable },
    bytes,
    deps.maxMessageBytes,
    (chunk, buffer) => window.send(chunk, buffer),
    { events: count, bytes: bytes.length },
    chunkPool,
  )
  const invalid = new InvalidList()
  // Blank lines of a line-delimited body: no events, so neither accepted nor refused.
  let blank = 0
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

  // One source record per request, moved from event to event: no object per event on this path.
  const source: EventSource = { bytes, start: 0, end: 0, receivedMs: request.receivedMs, limits: deps.eventLimits }
  const { starts, ends, state, times } = elements
  const services = new LiteralStrings(text, elements.services)
  const namespaces = new LiteralStrings(text, elements.namespaces)
  for (let from = 0; from < count; ) {
    if (state[from] === VALID) {
      encoder.add(from, starts[from]!, ends[from]!, times[from]!, services.at(from), namespaces.at(from))
      from++
    } else {
      // Once the invalid list is full, a certain refusal is only counted: its wording is not needed,
      // so a body of millions of bad elements costs no parse of them (nor an exception each).
      if (state[from] === REFUSED && invalid.full) {
        if (!(lines && starts[from] === ends[from])) invalid.countOne()
        else blank++
        from++
        continue
      }
      // A run of elements for the exact path, a slice at a time, each slice parsed in one go.
      let to = from + 1
      const sliceEnd = starts[from]! + SLICE_BYTES
      while (to < count && state[to] !== VALID && !(state[to] === REFUSED && invalid.full) && ends[to]! <= sliceEnd) to++
      // An oversized element is refused unparsed, so such a slice is parsed element by element.
      // Only a slice's first element can be that large: the others end within SLICE_BYTES of its start.
      // Lines are always parsed one by one: only an array's commas make a slice's text an array of
      // exactly its elements (joined lines `{"a":1},{"b":[1` and `2]}` would parse as two events).
      const parsed = lines || ends[from]! - starts[from]! >= MAX_EVENT_BYTES ? undefined : parseRun(bytes, elements, from, to)
      for (let index = from; index < to; index++) {
        const start = starts[index]!
        const end = ends[index]!
        const size = end - start
        if (lines && size === 0) {
          blank++
          continue
        }
        if (size >= MAX_EVENT_BYTES) {
          invalid.add({ index, bytes: size, error: `The event is ${size} bytes; an event must be smaller than ${MAX_EVENT_BYTES} bytes (256 KB).` })
          continue
        }
        let event: unknown
        if (parsed !== undefined) event = parsed[index - from]
        else {
          const result = parseElement(bytes, start, end)
          if (typeof result === 'string') {
            invalid.add({ index, error: result })
            continue
          }
          event = result.value
        }
        source.start = start
        source.end = end
        const problem = checkEvent(event, source)
        if (problem !== undefined) {
          invalid.add({ index, ...problem })
          continue
        }
        const e = event as Record<string, unknown>
        encoder.add(index, start, end, eventTimeMs(e.timestamp, request.receivedMs), e.service as string | undefined, e.namespace as string | undefined)
        if (window.full) await window.room()
        if (window.failed) await window.drain()
      }
      from = to
    }
    // Only when a chunk was just sealed into a full window: an await per chunk, not per event.
    if (window.full) await window.room()
    // JetStream refused a chunk: the request fails with it, so stop encoding the rest.
    if (window.failed) await window.drain()
  }
  encoder.finish()
  await window.drain()
  return { accepted: count - blank - invalid.count, rejected: invalid.count, invalid: invalid.listed, bodyBytes: bytes.length }
}
