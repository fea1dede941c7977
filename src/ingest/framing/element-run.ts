// The elements of one request body as it is read: each element's offsets and, for the events the
// single pass already found valid (fast-path/event-fields.ts), what encoding needs (time, service,
// namespace strings). Typed arrays that grow by doubling, no object per element; their memory is
// reported before each growth so that the node's in-flight budget counts it.

/** The element needs the exact path (exact-path/exact-path.ts) to decide. */
export const UNDECIDED = 0
/** The element was read in the single pass and is a valid event; its results are kept. */
export const VALID = 1
/** The single pass found the element certainly refused; the exact path only words why. */
export const REFUSED = 2

/** What the single pass read of a valid event (fast-path/event-fields.ts EventReader, after a read). */
export interface ValidEvent {
  readonly timeMs: number
  /** [start, end) of the service / namespace string literal in the body, or -1. */
  readonly serviceStart: number
  readonly serviceEnd: number
  readonly namespaceStart: number
  readonly namespaceEnd: number
}

/**
 * Elements room is made for at first: 4.25 KB, small beside what a request holds before its body
 * arrives (test/integration/small-requests.test.ts bounds it); growth doubles.
 */
const INITIAL_ELEMENTS = 256

export class ElementRun {
  starts = new Int32Array(INITIAL_ELEMENTS)
  ends = new Int32Array(INITIAL_ELEMENTS)
  /** UNDECIDED, VALID or REFUSED. */
  state = new Uint8Array(INITIAL_ELEMENTS)
  /** Of valid events: the event time (epoch ms). */
  times = new Float64Array(INITIAL_ELEMENTS)
  /** Of valid events: [start, end) of the service / namespace string literal, or -1; made on first use. */
  services: Int32Array | undefined
  namespaces: Int32Array | undefined
  count = 0

  /** onAllocate: told the bytes each growth adds, before it happens (the in-flight budget); it may throw. */
  constructor(private readonly onAllocate?: (bytes: number) => void) {
    onAllocate?.(this.bytes)
  }

  /** An element for the exact path. */
  push(start: number, end: number): void {
    if (this.count === this.starts.length) this.grow()
    this.starts[this.count] = start
    this.ends[this.count] = end
    this.state[this.count++] = UNDECIDED
  }

  /** An element the single pass has just found to be a valid event, with what it read of it. */
  pushValid(start: number, end: number, event: ValidEvent): void {
    if (this.count === this.starts.length) this.grow()
    const n = this.count++
    this.starts[n] = start
    this.ends[n] = end
    this.setValid(n, event)
  }

  /** Marks element n valid, with what the single pass read of it. */
  setValid(n: number, event: ValidEvent): void {
    this.state[n] = VALID
    this.times[n] = event.timeMs
    if (event.serviceStart >= 0 || this.services !== undefined) this.pair('services', n, event.serviceStart, event.serviceEnd)
    if (event.namespaceStart >= 0 || this.namespaces !== undefined) this.pair('namespaces', n, event.namespaceStart, event.namespaceEnd)
  }

  /** Memory the run takes. */
  get bytes(): number {
    return this.starts.length * this.bytesPerElement
  }

  private get bytesPerElement(): number {
    return 4 + 4 + 1 + 8 + (this.services ? 8 : 0) + (this.namespaces ? 8 : 0)
  }

  private pair(which: 'services' | 'namespaces', n: number, start: number, end: number): void {
    let pairs = this[which]
    if (pairs === undefined) {
      this.onAllocate?.(this.starts.length * 8)
      pairs = this[which] = new Int32Array(this.starts.length * 2).fill(-1)
    }
    pairs[2 * n] = start
    pairs[2 * n + 1] = end
  }

  private grow(): void {
    // A body of 6 MB of `0,` is 3M elements: tens of MB of offsets, so they are budgeted like the body.
    this.onAllocate?.(this.bytes)
    const size = this.starts.length * 2
    this.starts = grown(this.starts, new Int32Array(size))
    this.ends = grown(this.ends, new Int32Array(size))
    this.state = grown(this.state, new Uint8Array(size))
    this.times = grown(this.times, new Float64Array(size))
    if (this.services) this.services = grown(this.services, new Int32Array(2 * size).fill(-1))
    if (this.namespaces) this.namespaces = grown(this.namespaces, new Int32Array(2 * size).fill(-1))
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from as never)
  return to
}
