// Encodes accepted events as v1 NDJSON rows (queue/message-format.ts) straight into message-sized
// byte chunks: the event's bytes are copied once from the request body, and the per-row text
// around them is precomputed per request, so the common path builds no strings per event.
import type { OutgoingChunk } from '../queue/types'
import { eventId } from './enrich'

const encoder = new TextEncoder()
const TIMESTAMP_OPEN = encoder.encode('{"_timestamp":')
const RAW_OPEN = encoder.encode('","_raw":')
const ROW_CLOSE = encoder.encode('}\n')
const MAX_CACHED_MIDDLES = 1024
// Upper bound for the variable parts of a row: timestamp and index digits.
const ROW_DIGITS_MAX = 16 + 16

export interface RequestRowContext {
  dataset: string
  /** Per-request `_id` prefix (enrich.ts). */
  idBase: string
  /** From x-service / x-namespace; an event's own `service` / `namespace` wins. */
  service: string
  namespace: string
}

export class RowEncoder {
  private readonly chunks: OutgoingChunk[] = []
  private readonly defaultMiddle: Uint8Array
  /** Encoded row middles by service, then namespace: a request names few distinct ones. */
  private readonly middles = new Map<string, Map<string, Uint8Array>>()
  private middleCount = 0
  private buffer: Uint8Array
  private position = 0
  private eventsInChunk = 0
  private lastIndex = -1

  constructor(private readonly context: RequestRowContext, private readonly maxMessageBytes: number) {
    this.defaultMiddle = this.middle(context.service, context.namespace)
    this.buffer = new Uint8Array(maxMessageBytes)
  }

  /** Appends the row of the event body[start, end) at array position `index`. */
  add(index: number, body: Uint8Array, start: number, end: number, timestampMs: number, service?: string, namespace?: string): void {
    const middle = service === undefined && namespace === undefined ? this.defaultMiddle : this.middleFor(service, namespace)
    const rowMax = TIMESTAMP_OPEN.length + middle.length + RAW_OPEN.length + ROW_CLOSE.length + ROW_DIGITS_MAX + (end - start)
    if (this.position + rowMax > this.buffer.byteLength) this.seal(rowMax)
    const out = this.buffer
    let p = this.position
    out.set(TIMESTAMP_OPEN, p)
    p = writeDecimal(out, p + TIMESTAMP_OPEN.length, timestampMs)
    out.set(middle, p)
    p = writeDecimal(out, p + middle.length, index)
    out.set(RAW_OPEN, p)
    p += RAW_OPEN.length
    out.set(body.subarray(start, end), p)
    p += end - start
    out.set(ROW_CLOSE, p)
    this.position = p + ROW_CLOSE.length
    this.eventsInChunk++
    this.lastIndex = index
  }

  /** The chunks to publish, in order. */
  finish(): OutgoingChunk[] {
    this.seal(0)
    return this.chunks
  }

  private seal(nextRowMax: number): void {
    if (this.eventsInChunk > 0) {
      this.chunks.push({
        dataset: this.context.dataset,
        body: this.buffer.subarray(0, this.position),
        events: this.eventsInChunk,
        lastId: eventId(this.context.idBase, this.lastIndex),
        msgId: `${this.context.idBase}:${this.chunks.length}`,
      })
    }
    if (nextRowMax > 0) this.buffer = new Uint8Array(Math.max(this.maxMessageBytes, nextRowMax))
    this.position = 0
    this.eventsInChunk = 0
  }

  private middleFor(service: string | undefined, namespace: string | undefined): Uint8Array {
    const s = service ?? this.context.service
    const n = namespace ?? this.context.namespace
    let byNamespace = this.middles.get(s)
    if (byNamespace === undefined) this.middles.set(s, (byNamespace = new Map()))
    let middle = byNamespace.get(n)
    if (middle === undefined) {
      // Bounded, in case every event names its own service.
      if (++this.middleCount > MAX_CACHED_MIDDLES) this.middles.clear(), (this.middleCount = 0)
      middle = this.middle(s, n)
      byNamespace.set(n, middle)
    }
    return middle
  }

  private middle(service: string, namespace: string): Uint8Array {
    return encoder.encode(`,"_service":${JSON.stringify(service)},"_namespace":${JSON.stringify(namespace)},"_id":"${this.context.idBase}-`)
  }
}

/** Writes a non-negative integer (< 2^53) as ASCII digits at p; returns the position after it. */
function writeDecimal(out: Uint8Array, p: number, value: number): number {
  if (value < 10) {
    out[p] = 48 + value
    return p + 1
  }
  let digits = 0
  for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++
  let v = value
  for (let i = p + digits - 1; i >= p; i--) {
    out[i] = 48 + (v % 10)
    v = Math.floor(v / 10)
  }
  return p + digits
}
