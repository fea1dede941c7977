// What ingest accepts, ClickHouse stores: the rules an event must meet beyond the schema, each one a
// case where JSON.parse (what validation sees) and ClickHouse's JSON column (what stores `data`)
// would disagree. Each rule was found by inserting the event into the real table (see
// test/integration/poison-events.test.ts); everything else odd that JSON allows (empty keys, dotted
// keys, keys like "a" and "a.b" together, \u0000, -0, 1e-400, integers beyond 64 bits, mixed
// arrays, 100 KB keys, thousands of paths) is stored as sent and needs no rule.
import type { EventProblem } from './event-problem'
import { NextOccurrence } from './byte-search'
import { repeatedTopLevelKey } from './top-level-keys'

/**
 * Deepest nesting of objects and arrays an event may have, the event object itself being level 1.
 * Measured on the embedded ClickHouse (one event inserted into a dataset table): arrays nested 256
 * deep insert as fast as a flat event, 500 deep take 4x as long, 1,000 deep 10x, 2,000 deep are
 * refused ("Stack size too large") and 4,000 deep hang the engine. Real log events nest a few
 * levels (Elasticsearch's default mapping depth limit is 20:
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-settings-limit.html).
 */
export const MAX_EVENT_DEPTH = 64

/**
 * Fields that must appear once. ClickHouse reads the first of a repeated key (the insert skips
 * duplicated paths) while JSON.parse, and so validation, reads the last. For most fields that only
 * decides which value `data` shows (`_raw` keeps both); `duration` is typed Float64 in the table,
 * so {"duration":"x","duration":5} passes validation and is then refused by ClickHouse.
 * Searching every event for the other well-known names too would cost about 2 ms per 20k events
 * per name; their repeats are stored (first value in `data`).
 */
export const SINGLE_FIELDS: ReadonlySet<string> = new Set(['duration'])

/** Beyond this magnitude ClickHouse and JSON.parse disagree: JSON.parse reads 1.7976931348623158e308
 *  as the largest float and ClickHouse refuses it, and 1e400 is Infinity to one and an error to the
 *  other. Nothing a log event measures comes near it. */
export const MAX_NUMBER_MAGNITUDE = 1e308

/** `\u` starts the only escape that can hide a lone surrogate or spell a key in disguise. */
const UNICODE_ESCAPE = new NextOccurrence('\\u')
const KEY_PATTERNS = new Map([...SINGLE_FIELDS].map((name) => [name, new NextOccurrence(`"${name}"`)]))

/**
 * What ClickHouse would refuse or read differently in an event that passed the schema, or undefined.
 * `event` is bytes[start, end) as JSON.parse read it.
 */
export function storageProblem(event: Record<string, unknown>, bytes: Uint8Array, start: number, end: number): EventProblem | undefined {
  forgetOnNewBody(bytes, start)
  const escaped = UNICODE_ESCAPE.within(bytes, start, end)
  const repeated = repeatedWellKnown(event, bytes, start, end, escaped)
  if (repeated !== undefined) {
    return {
      field: repeated,
      error: `Field "${repeated}" appears more than once in the event; send it once (JSON readers disagree on which of the values counts).`,
    }
  }
  return walk(event, escaped)
}

let lastBody: Uint8Array | undefined
let lastStart = -1

/** Events of one body come in order; a start that goes back means a body reusing the memory of an
 *  earlier one, whose remembered search results no longer hold. */
function forgetOnNewBody(bytes: Uint8Array, start: number): void {
  if (bytes === lastBody && start <= lastStart) {
    UNICODE_ESCAPE.forget()
    for (const pattern of KEY_PATTERNS.values()) pattern.forget()
  }
  lastBody = bytes
  lastStart = start
}

/** A SINGLE_FIELDS name the event's top level repeats. A cheap search settles nearly every event:
 *  the quoted name occurs once in its bytes. An escape can spell a name in disguise, so then the
 *  keys are read. */
function repeatedWellKnown(event: Record<string, unknown>, bytes: Uint8Array, start: number, end: number, escaped: boolean): string | undefined {
  let suspect = escaped
  if (!suspect) {
    for (const [name, pattern] of KEY_PATTERNS) {
      if (event[name] !== undefined && pattern.twiceWithin(bytes, start, end)) {
        suspect = true
        break
      }
    }
  }
  return suspect ? repeatedTopLevelKey(bytes, start, end, SINGLE_FIELDS) : undefined
}

/**
 * Visits every value of the event once: nesting deeper than MAX_EVENT_DEPTH, numbers beyond
 * MAX_NUMBER_MAGNITUDE, and, when the bytes hold \u escapes, strings and keys that are not
 * well-formed UTF-16 (a lone surrogate such as "\ud800" parses in JavaScript but has no UTF-8
 * form, and ClickHouse refuses the row). Recursive, but never deeper than MAX_EVENT_DEPTH calls.
 */
function walk(event: Record<string, unknown>, checkText: boolean): EventProblem | undefined {
  for (const key in event) {
    if (checkText && !key.isWellFormed()) return lonelySurrogate(key, 'a key')
    const value = event[key]
    if (typeof value === 'object' && value !== null) {
      const problem = walkContainer(value, 2, key, checkText)
      if (problem !== undefined) return problem
    } else {
      const problem = scalarProblem(value, key, checkText)
      if (problem !== undefined) return problem
    }
  }
  return undefined
}

/** `container` sits at nesting level `level` (the event is level 1) under top-level `field`. */
function walkContainer(container: object, level: number, field: string, checkText: boolean): EventProblem | undefined {
  if (level > MAX_EVENT_DEPTH) {
    return {
      field,
      error: `Field "${field}" nests objects and arrays more than ${MAX_EVENT_DEPTH} levels deep; an event may nest at most ${MAX_EVENT_DEPTH} levels.`,
    }
  }
  let problem: EventProblem | undefined
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const value: unknown = container[i]
      problem = typeof value === 'object' && value !== null ? walkContainer(value, level + 1, field, checkText) : scalarProblem(value, field, checkText)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  const object = container as Record<string, unknown>
  for (const key in object) {
    if (checkText && !key.isWellFormed()) return lonelySurrogate(field, 'a key')
    const value = object[key]
    problem = typeof value === 'object' && value !== null ? walkContainer(value, level + 1, field, checkText) : scalarProblem(value, field, checkText)
    if (problem !== undefined) return problem
  }
  return undefined
}

function scalarProblem(value: unknown, field: string, checkText: boolean): EventProblem | undefined {
  if (typeof value === 'number') {
    if (value > MAX_NUMBER_MAGNITUDE || value < -MAX_NUMBER_MAGNITUDE) {
      return {
        field,
        error: `Field "${field}" holds a number beyond ±1e308, the edge of a 64-bit float where readers disagree; send such a number as a string.`,
      }
    }
  } else if (checkText && typeof value === 'string' && !value.isWellFormed()) {
    return lonelySurrogate(field, 'a string')
  }
  return undefined
}

const lonelySurrogate = (field: string, where: string): EventProblem => ({
  field,
  error: `Field "${field}" has ${where} with an unpaired surrogate escape (like "\\ud800" without its low half), which is not valid Unicode text; escape whole characters only.`,
})
