// Judges the well-known fields an event scan noted (event-scanner.ts) against the event schema
// (event-schema.ts), without building the event: the schema stays the one description of an
// event, and each of its properties becomes a rule here. A field whose schema is any string (or
// any number) is judged by how its value was written; any other schema (the timestamp's format
// and range) is checked with its compiled TypeBox validator on the one decoded value.
//
// Like the scanner, the judge only ever says "certainly valid" or "not certainly": an event it
// does not pass goes to the exact path (validate.ts), which decides and words the error.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { TSchema } from '@sinclair/typebox'
import { Event, parseCanonicalBytes, SINGLE_FIELDS, timestampMs } from '../event/event-schema'
import { TimeWindow, type EventLimits } from '../event/time-window'
import { MAX_EVENT_BYTES, MAX_EVENT_DEPTH } from '../limits'
import { EventScanner, ValueKind } from './event-scanner'

/** The top-level fields the scanner watches: the schema's properties, in its order. */
export const WATCHED_FIELDS: readonly string[] = Object.keys(Event.properties)
const TIMESTAMP = WATCHED_FIELDS.indexOf('timestamp')
const SERVICE = WATCHED_FIELDS.indexOf('service')
const NAMESPACE = WATCHED_FIELDS.indexOf('namespace')

const enum Rule {
  /** Any JSON string passes. */
  AnyString,
  /** Any JSON number passes (the scanner lets through only finite ones). */
  AnyNumber,
  /** The decoded value must pass the field's compiled validator. */
  Compiled,
}

const CONSTRAINTS = ['format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'const', 'enum']

function ruleOf(schema: TSchema): Rule {
  const constrained = CONSTRAINTS.some((name) => (schema as Record<string, unknown>)[name] !== undefined)
  if (!constrained && schema.type === 'string') return Rule.AnyString
  if (!constrained && schema.type === 'number') return Rule.AnyNumber
  return Rule.Compiled
}

const properties = Event.properties as Record<string, TSchema>
const RULES = WATCHED_FIELDS.map((name) => ruleOf(properties[name]!))
const CHECKS: (TypeCheck<TSchema> | undefined)[] = WATCHED_FIELDS.map((name, field) => (RULES[field] === Rule.Compiled ? TypeCompiler.Compile(properties[name]!) : undefined))

/** Reads events of one request body: the scanner plus the schema's field rules. */
export class EventReader {
  private readonly scanner: EventScanner
  /** The bytes being read. */
  private source: Uint8Array = new Uint8Array(0)
  /** Results for the last event read() passed: its time, and where its service and namespace strings are ([-1, -1]: absent). */
  timeMs = 0
  /**
   * After a read that returned -1: whether the event is certainly refused on the exact path too
   * (only the wording is left to find), rather than unusual. Size and schema refusals are
   * certain; so is a scan that failed other than for something unusual.
   */
  certainlyInvalid = false
  /**
   * Whether any event read so far had its own time near an edge of the time window, accepted or
   * not: a retry of the request may judge that event otherwise (time-window.ts nearWindowEdge).
   */
  nearEdge = false
  serviceStart = -1
  serviceEnd = -1
  namespaceStart = -1
  namespaceEnd = -1

  /** oneLine: events of a line-delimited body, which must each lie on one line. */
  /** The event time window of the request, its edges computed once. */
  private readonly window: TimeWindow | undefined

  constructor(private readonly receivedMs: number, limits?: EventLimits, oneLine = false) {
    this.window = limits && new TimeWindow(receivedMs, limits)
    this.scanner = new EventScanner(WATCHED_FIELDS, { maxDepth: MAX_EVENT_DEPTH, singleFields: SINGLE_FIELDS, oneLine })
  }

  /**
   * Reads the event that starts with '{' at b[start] (b ends where the data received ends).
   * Returns the offset after the event when it is certainly valid (its results are then in this
   * reader's fields), or -1 for the exact path.
   */
  read(b: Uint8Array, start: number): number {
    const scanner = this.scanner
    this.certainlyInvalid = false
    const end = scanner.scan(b, start)
    if (end < 0) this.certainlyInvalid = !scanner.wasUnusual
    // An event must be smaller than 256 KB: a larger one is refused, by the exact path's words.
    if (end < 0) return -1
    if (end - start >= MAX_EVENT_BYTES) return this.refuse()
    this.source = b
    const kind = scanner.kind
    for (let field = 0; field < kind.length; field++) {
      const k = kind[field]!
      if (k === ValueKind.Absent) continue
      const rule = RULES[field]
      if (rule === Rule.AnyString) {
        if (k !== ValueKind.PlainString && k !== ValueKind.EscapedString) return this.refuse()
      } else if (rule === Rule.AnyNumber) {
        if (k !== ValueKind.Number) return this.refuse()
      } else if (field !== TIMESTAMP && !this.compiledCheck(field, k)) return this.refuse()
    }
    if (kind[TIMESTAMP] === ValueKind.Absent) this.timeMs = this.receivedMs
    else if (!this.readTimestamp(kind[TIMESTAMP]!)) return this.refuse()
    if (kind[SERVICE] === ValueKind.Absent) this.serviceStart = this.serviceEnd = -1
    else (this.serviceStart = scanner.valueStart[SERVICE]!), (this.serviceEnd = scanner.valueEnd[SERVICE]!)
    if (kind[NAMESPACE] === ValueKind.Absent) this.namespaceStart = this.namespaceEnd = -1
    else (this.namespaceStart = scanner.valueStart[NAMESPACE]!), (this.namespaceEnd = scanner.valueEnd[NAMESPACE]!)
    return end
  }

  private refuse(): number {
    this.certainlyInvalid = true
    return -1
  }

  /** Checks the timestamp against its schema and the time window, and keeps its time. */
  private readTimestamp(kind: ValueKind): boolean {
    let ms: number | undefined
    if (kind === ValueKind.PlainString) {
      // The canonical form (what toISOString writes) straight from the bytes: for that shape the
      // schema's format check is exactly this function (event-schema.ts), so no string is made.
      const start = this.scanner.valueStart[TIMESTAMP]! + 1
      ms = parseCanonicalBytes(this.source, start, this.scanner.valueEnd[TIMESTAMP]! - 1)
      if (ms !== undefined && Number.isNaN(ms)) return false
    }
    if (ms === undefined) {
      const value = this.decode(TIMESTAMP, kind)
      if (value === undefined || !CHECKS[TIMESTAMP]!.Check(value)) return false
      ms = timestampMs(value as string | number)
    }
    const window = this.window
    if (window !== undefined) {
      if (window.nearEdge(ms)) this.nearEdge = true
      if (!window.contains(ms)) return false
    }
    // What eventTimeMs (event-schema.ts) makes of it: before 1970 does not fit the table, so the time received.
    this.timeMs = ms >= 0 ? ms : this.receivedMs
    return true
  }

  private compiledCheck(field: number, kind: ValueKind): boolean {
    const value = this.decode(field, kind)
    return value !== undefined && CHECKS[field]!.Check(value)
  }

  /** The JS value of a noted string or number; undefined for other kinds (the exact path reads those). */
  private decode(field: number, kind: ValueKind): unknown {
    const start = this.scanner.valueStart[field]!
    const end = this.scanner.valueEnd[field]!
    // Rare (a timestamp not in the canonical form, or a field with constraints): a view per value is fine.
    const b = this.source
    const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    if (kind === ValueKind.PlainString) return text.toString('utf8', start + 1, end - 1)
    if (kind === ValueKind.EscapedString) return JSON.parse(text.toString('utf8', start, end))
    if (kind === ValueKind.Number) return Number(text.toString('latin1', start, end))
    return undefined
  }
}

/** Distinct literals remembered by LiteralStrings: a request names a handful of services. */
const REMEMBERED_LITERALS = 8

/**
 * The strings of valid events' service (or namespace) literals, by element. A literal with the
 * same bytes as one of the last few gives the same string object, so that neither a string nor a
 * row middle (row-encoder.ts, which looks middles up by string) is made again per event.
 */
export class LiteralStrings {
  private readonly starts = new Int32Array(REMEMBERED_LITERALS).fill(-1)
  private readonly ends = new Int32Array(REMEMBERED_LITERALS)
  private readonly strings: string[] = new Array(REMEMBERED_LITERALS).fill('')
  private next = 0

  /** pairs: [start, end) of each element's literal, -1 when it has none (ElementRun.services). */
  constructor(private readonly text: Buffer, private readonly pairs: Int32Array | undefined) {}

  at(element: number): string | undefined {
    const pairs = this.pairs
    if (pairs === undefined) return undefined
    const start = pairs[2 * element]!
    if (start < 0) return undefined
    const end = pairs[2 * element + 1]!
    const text = this.text
    for (let k = 0; k < REMEMBERED_LITERALS; k++) {
      const s = this.starts[k]!
      if (s >= 0 && this.ends[k]! - s === end - start && sameBytes(text, s, start, end - start)) return this.strings[k]
    }
    const inner = text.toString('utf8', start + 1, end - 1)
    const value = inner.indexOf('\\') < 0 ? inner : (JSON.parse(text.toString('utf8', start, end)) as string)
    const slot = this.next
    this.next = (slot + 1) % REMEMBERED_LITERALS
    this.starts[slot] = start
    this.ends[slot] = end
    this.strings[slot] = value
    return value
  }
}

/** Whether b[a, a + n) and b[c, c + n) hold the same bytes: a loop, cheaper than a native call for a few bytes. */
function sameBytes(b: Uint8Array, a: number, c: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (b[a + k] !== b[c + k]) return false
  return true
}
