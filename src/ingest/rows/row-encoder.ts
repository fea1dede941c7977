// Encodes accepted events as v1 NDJSON rows (queue/message-format.ts) straight into message-sized
// byte chunks: the event's bytes are copied once from the request body, and the per-row text
// around them is precomputed per request, so the common path builds no strings per event.
import type { BufferPool } from '../../buffer-pool'
import type { OutgoingChunk } from '../../queue/types'
import { eventId } from './enrich'

const encoder = new TextEncoder()
const TIMESTAMP_OPEN = encoder.encode('{"_timestamp":')
const RAW_OPEN = encoder.encode('","_raw":')
const ROW_CLOSE = encoder.encode('}\n')
const MAX_CACHED_MIDDLES = 1024
const RECENT_MIDDLES = 8
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
// Upper bound for the variable parts of a row: timestamp and index digits.
const ROW_DIGITS_MAX = 16 + 16

export interface RequestRowContext {
  dataset: string
  /** Per-request `_id` prefix (enrich.ts). */
  idBase: string
  /** From x-service / x-namespace; an event's own `service` / `namespace` wins. */
  service: string
  namespace: string
  /** Mark every chunk checkLanded (queue/types.ts): a retry of this request may judge its events otherwise. */
  checkLanded?: boolean
  /** Mark every chunk shareable (queue/types.ts): the request has no Idempotency-Key, so no retry repeats its message ids. */
  shareable?: boolean
}

export class RowEncoder {
  private readonly chunks: OutgoingChunk[] = []
  private readonly defaultMiddle: Uint8Array
  /** Encoded row middles by service, then namespace: a request names few distinct ones. */
  private readonly middles = new Map<string, Map<string, Uint8Array>>()
  private middleCount = 0
  /** The chunk being filled. A Buffer so that event bytes are copied natively, without a subarray per event. */
  private buffer: Buffer
  private readonly body: Buffer
  private position = 0
  private eventsInChunk = 0
  private firstIndex = -1
  private lastIndex = -1
  /** FNV-1a over the indexes of the events in the chunk, for its msgId. */
  private indexHash = FNV_OFFSET

  /** Bytes the rows still to come are expected to take: sizes buffers for small requests. */
  private expectedBytes: number

  /**
   * body: the request body the events are ranges of.
   * onChunk: called as each chunk is sealed, so it can be published while the rest is encoded;
   *   the encoder then keeps no reference to it (finish() returns only chunks nobody took).
   *   `buffer` is the whole buffer the chunk's body is a view of, to give back to `pool` once
   *   nothing reads it any more.
   * expect: the size of the events to come, so a small request does not allocate a whole message.
   * pool: buffers of maxMessageBytes for full-size chunks.
   */
  constructor(
    private readonly context: RequestRowContext,
    body: Uint8Array,
    private readonly maxMessageBytes: number,
    private readonly onChunk?: (chunk: OutgoingChunk, buffer: Buffer) => void,
    expect?: { events: number; bytes: number },
    private readonly pool?: BufferPool,
  ) {
    this.body = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    this.defaultMiddle = this.middle(context.service, context.namespace)
    const perRow = TIMESTAMP_OPEN.length + this.defaultMiddle.length + RAW_OPEN.length + ROW_CLOSE.length + ROW_DIGITS_MAX
    this.expectedBytes = expect ? expect.bytes + expect.events * perRow : maxMessageBytes
    this.buffer = this.allocate(0)
  }

  /** Appends the row of the event body[start, end) at array position `index`. */
  add(index: number, start: number, end: number, timestampMs: number, service?: string, namespace?: string): void {
    const middle = service === undefined && namespace === undefined ? this.defaultMiddle : this.middleFor(service, namespace)
    const rowMax = TIMESTAMP_OPEN.length + middle.length + RAW_OPEN.length + ROW_CLOSE.length + ROW_DIGITS_MAX + (end - start)
    if (this.position + rowMax > this.buffer.byteLength) this.seal(rowMax)
    const out = this.buffer
    let p = writeBytes(out, this.position, TIMESTAMP_OPEN)
    p = writeDecimal(out, p, timestampMs)
    p = writeBytes(out, p, middle)
    p = writeDecimal(out, p, index)
    p = writeBytes(out, p, RAW_OPEN)
    p += this.body.copy(out, p, start, end)
    this.position = writeBytes(out, p, ROW_CLOSE)
    this.expectedBytes -= rowMax
    if (this.eventsInChunk++ === 0) this.firstIndex = index
    this.lastIndex = index
    this.indexHash = Math.imul(this.indexHash ^ index, FNV_PRIME) >>> 0
  }

  /** The chunks to publish, in order (those not already handed to onChunk). */
  finish(): OutgoingChunk[] {
    this.seal(0)
    return this.chunks
  }

  private seal(nextRowMax: number): void {
    if (this.eventsInChunk > 0) {
      const chunk = {
        dataset: this.context.dataset,
        body: this.buffer.subarray(0, this.position),
        events: this.eventsInChunk,
        lastId: eventId(this.context.idBase, this.lastIndex),
        // The events it holds, named by content: the base covers the body (enrich.ts) and the
        // range says which of its events, so no other body's chunk can share the id. When some
        // events in the range were refused, a digest of the ones it holds is added: a retry that
        // judges an event otherwise (the time window moved) then holds other events under another id,
        // instead of having its chunk dropped as a repeat of the first attempt's.
        msgId: `${this.context.idBase}:${this.firstIndex}-${this.lastIndex}${this.eventsInChunk === this.lastIndex - this.firstIndex + 1 ? '' : `/${this.eventsInChunk}.${this.indexHash.toString(36)}`}`,
        ...(this.context.checkLanded ? { checkLanded: true } : {}),
        ...(this.context.shareable ? { shareable: true } : {}),
      }
      if (this.onChunk) this.onChunk(chunk, this.buffer)
      else this.chunks.push(chunk)
    }
    if (nextRowMax > 0) this.buffer = this.allocate(nextRowMax)
    this.position = 0
    this.eventsInChunk = 0
    this.indexHash = FNV_OFFSET
  }

  /** A chunk buffer for what is expected to come (twice the last one once the guess ran out). */
  private allocate(atLeast: number): Buffer {
    const guess = this.expectedBytes > 0 ? this.expectedBytes : 2 * (this.buffer?.byteLength ?? 0)
    const size = Math.max(atLeast, Math.min(this.maxMessageBytes, Math.max(guess, 1024)))
    if (this.pool !== undefined && size === this.pool.size) return this.pool.take()
    // Not zeroed: only the written part, [0, position), is ever handed out.
    return Buffer.allocUnsafeSlow(size)
  }

  /**
   * The last few middles looked up, by the identity of their strings: events of a request name a
   * handful of services, and the strings they come with are the same objects
   * (event-fields.ts LiteralStrings), so this skips hashing them per event.
   */
  private readonly recentServices: (string | undefined)[] = new Array(RECENT_MIDDLES).fill(null)
  private readonly recentNamespaces: (string | undefined)[] = new Array(RECENT_MIDDLES).fill(null)
  private readonly recentMiddles: Uint8Array[] = []
  private nextRecent = 0

  private middleFor(service: string | undefined, namespace: string | undefined): Uint8Array {
    for (let k = 0; k < this.recentMiddles.length; k++) {
      if (this.recentServices[k] === service && this.recentNamespaces[k] === namespace) return this.recentMiddles[k]!
    }
    const middle = this.lookUpMiddle(service, namespace)
    const slot = this.nextRecent
    this.nextRecent = (slot + 1) % RECENT_MIDDLES
    this.recentServices[slot] = service
    this.recentNamespaces[slot] = namespace
    this.recentMiddles[slot] = middle
    return middle
  }

  private lookUpMiddle(service: string | undefined, namespace: string | undefined): Uint8Array {
    const s = service ?? this.context.service
    const n = namespace ?? this.context.namespace
    let middle = this.middles.get(s)?.get(n)
    if (middle === undefined) {
      // Bounded, in case every event names its own service.
      if (++this.middleCount > MAX_CACHED_MIDDLES) this.middles.clear(), (this.middleCount = 1)
      middle = this.middle(s, n)
      let byNamespace = this.middles.get(s)
      if (byNamespace === undefined) this.middles.set(s, (byNamespace = new Map()))
      byNamespace.set(n, middle)
    }
    return middle
  }

  private middle(service: string, namespace: string): Uint8Array {
    return encoder.encode(`,"_service":${JSON.stringify(service)},"_namespace":${JSON.stringify(namespace)},"_id":"${this.context.idBase}-`)
  }
}

/** Copies a short byte string; a loop beats TypedArray.set at these sizes (a few dozen bytes). */
function writeBytes(out: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[p + i] = bytes[i]!
  return p + bytes.length
}

/**
 * Writes a non-negative integer (< 2^53) as ASCII digits at p; returns the position after it.
 * Epoch milliseconds are beyond int32, where division is slow floating point: split them into
 * two parts that are int32 and write each with integer arithmetic.
 */
function writeDecimal(out: Uint8Array, p: number, value: number): number {
  if (value < 1e9) return writeSmall(out, p, value | 0, 0)
  const high = Math.floor(value / 1e6)
  p = writeSmall(out, p, high, 0)
  return writeSmall(out, p, value - high * 1e6, 6)
}

/** Writes an int32 in decimal, left-padded with zeros to at least minDigits. */
function writeSmall(out: Uint8Array, p: number, value: number, minDigits: number): number {
  let digits = 1
  for (let v = value; v >= 10; v = (v / 10) | 0) digits++
  if (digits < minDigits) digits = minDigits
  let v = value
  for (let i = p + digits - 1; i >= p; i--) {
    out[i] = 48 + (v % 10)
    v = (v / 10) | 0
  }
  return p + digits
}
