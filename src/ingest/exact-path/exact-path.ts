// The exact path: judges the elements the single pass did not find valid with JSON.parse and
// checkEvent (validate.ts), and words every refusal. Consecutive elements are parsed a slice at a
// time (element-slices.ts), so a body of many small refusals costs few parses, and no slice holds
// more than a few MB of parsed values.
import { eventTimeMs } from '../event/event-schema'
import type { EventLimits } from '../event/time-window'
import { type ElementRun, REFUSED, VALID } from '../framing/element-run'
import { MAX_EVENT_BYTES } from '../limits'
import { parseElement, parseRun } from './element-slices'
import { InvalidList } from './invalid-list'
import { checkEvent, type EventSource } from './validate'

/** Body bytes per parse slice: small enough that its parsed values are a few MB at most. */
const SLICE_BYTES = 64 * 1024

export class ExactPath {
  /** The refusals of the request: the first MAX_LISTED_INVALID worded, the rest counted. */
  readonly invalid = new InvalidList()
  /** Of the event accepts() last accepted: the time it is stored under, its own service and namespace. */
  timeMs = 0
  service: string | undefined
  namespace: string | undefined

  /** One source record per request, moved from event to event: no object per event on this path. */
  private readonly source: EventSource
  /** The slice being judged: elements [sliceFrom, sliceTo), and their values when parsed in one go. */
  private sliceFrom = 0
  private sliceTo = 0
  private parsed: unknown[] | undefined

  /** lines: the body is line-delimited, so a blank line is no event, and each line is parsed alone. */
  constructor(private readonly bytes: Uint8Array, private readonly elements: ElementRun, private readonly receivedMs: number, limits: EventLimits | undefined, private readonly lines: boolean) {
    this.source = { bytes, start: 0, end: 0, receivedMs, limits }
  }

  /**
   * Whether element n, one the single pass did not find valid, is an accepted event (then its
   * results are in this object's fields). Otherwise it is refused, and counted in `invalid`, or a
   * blank line, which is no event. Elements must be asked about in order.
   */
  accepts(n: number): boolean {
    if (n >= this.sliceTo && !this.slice(n)) {
      // A certain refusal once the invalid list is full is only counted: its wording is not needed,
      // so a body of millions of bad elements costs no parse of them (nor an exception each).
      if (!this.blank(n)) this.invalid.countOne()
      return false
    }
    if (this.blank(n)) return false
    const start = this.elements.starts[n]!
    const end = this.elements.ends[n]!
    const size = end - start
    if (size >= MAX_EVENT_BYTES) {
      this.invalid.add({ index: n, bytes: size, error: `The event is ${size} bytes; an event must be smaller than ${MAX_EVENT_BYTES} bytes (256 KB).` })
      return false
    }
    let event: unknown
    if (this.parsed !== undefined) event = this.parsed[n - this.sliceFrom]
    else {
      const result = parseElement(this.bytes, start, end)
      if (typeof result === 'string') {
        this.invalid.add({ index: n, error: result })
        return false
      }
      event = result.value
    }
    this.source.start = start
    this.source.end = end
    const problem = checkEvent(event, this.source)
    if (problem !== undefined) {
      this.invalid.add({ index: n, ...problem })
      return false
    }
    const e = event as Record<string, unknown>
    this.timeMs = eventTimeMs(e.timestamp, this.receivedMs)
    this.service = e.service as string | undefined
    this.namespace = e.namespace as string | undefined
    return true
  }

  /** A blank line of a line-delimited body. */
  private blank(n: number): boolean {
    return this.lines && this.elements.starts[n] === this.elements.ends[n]
  }

  /**
   * Starts the slice at element n: the elements from n on up to the next valid one (or certain
   * refusal that is only counted), within SLICE_BYTES of n's start, parsed in one go when they can
   * be. False, and no slice, when n itself is a certain refusal that is only counted.
   */
  private slice(n: number): boolean {
    const { starts, ends, state, count } = this.elements
    const counted = (k: number) => state[k] === REFUSED && this.invalid.full
    if (counted(n)) return false
    let to = n + 1
    const sliceEnd = starts[n]! + SLICE_BYTES
    while (to < count && state[to] !== VALID && !counted(to) && ends[to]! <= sliceEnd) to++
    this.sliceFrom = n
    this.sliceTo = to
    // An oversized element is refused unparsed, so such a slice is parsed element by element.
    // Only a slice's first element can be that large: the others end within SLICE_BYTES of its start.
    // Lines are always parsed one by one: only an array's commas make a slice's text an array of
    // exactly its elements (joined lines `{"a":1},{"b":[1` and `2]}` would parse as two events).
    this.parsed = this.lines || ends[n]! - starts[n]! >= MAX_EVENT_BYTES ? undefined : parseRun(this.bytes, this.elements, n, to)
    return true
  }
}
