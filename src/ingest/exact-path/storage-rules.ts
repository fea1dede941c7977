// What ingest accepts, ClickHouse stores: the rules an event must meet beyond the schema, each one a
// case where JSON.parse (what validation sees) and ClickHouse's JSON column (what stores `data`)
// would disagree. Each rule holds for the real table (test/integration/poison-events.test.ts
// inserts every case); everything else odd that JSON allows (empty keys, dotted
// keys within the depth limit, keys like "a" and "a.b" together, \u0000, -0, 1e-400, integers beyond 64 bits, mixed
// arrays, 100 KB keys, thousands of paths, line breaks between tokens) is stored as sent.
import type { EventProblem } from '../event/event-problem'
import { SINGLE_FIELDS } from '../event/event-schema'
import { MAX_EVENT_DEPTH } from '../limits'
import { scanEventBytes, type ByteRules } from './event-bytes'

/**
 * Numbers ClickHouse reads as JSON.parse does. Measured on the embedded ClickHouse (allow_simdjson = 0,
 * insert-settings.ts), every failure an error that sends the row to `_dead_letter`:
 * - beyond ±1e308: 1e400 is Infinity to JSON.parse and an error to ClickHouse; near the edge the two
 *   round differently (JSON.parse reads 1.7976931348623158e308 as the largest float, ClickHouse refuses it);
 * - more than 309 digits before the point, whatever the exponent (1 and 330 zeros, then e-100);
 * - an exponent above 308 once the fraction digits are taken off, even for zero: 0e309 and 0.0e400
 *   are refused while 0.0e309 (0e308) and 0.001e310 (1e307) are read.
 * Nothing a log event measures comes near these; 1e-400, -0 and 1e308 are stored.
 */
export const MAX_NUMBER_MAGNITUDE = 1e308
const MAX_INTEGER_DIGITS = 309
const MAX_SCALE = 308

const RULES: ByteRules = {
  maxDepth: MAX_EVENT_DEPTH,
  maxMagnitude: MAX_NUMBER_MAGNITUDE,
  maxIntegerDigits: MAX_INTEGER_DIGITS,
  maxScale: MAX_SCALE,
  singleKeys: SINGLE_FIELDS,
}

/** Characters of a field name an answer repeats: a key may be 100 KB long, and is named twice per refusal. */
const SHOWN_FIELD_CHARS = 100

const shortened = (field: string): string => (field.length > SHOWN_FIELD_CHARS ? `${field.slice(0, SHOWN_FIELD_CHARS)}…` : field)

/**
 * What ClickHouse would refuse or read differently in an event that passed the schema, or undefined.
 * Read from the event's bytes, bytes[start, end): a value hidden behind a repeated key is invisible
 * in the parsed event but ClickHouse reads it.
 */
export function storageProblem(bytes: Uint8Array, start: number, end: number): EventProblem | undefined {
  const found = scanEventBytes(bytes, start, end, RULES)
  if (found === undefined) return undefined
  const field = shortened(found.field)
  switch (found.kind) {
    case 'depth':
      return { field, error: `Field "${field}" nests objects and arrays more than ${MAX_EVENT_DEPTH} levels deep; an event may nest at most ${MAX_EVENT_DEPTH} levels.` }
    case 'key-depth':
      return {
        field,
        error: `Field "${field}" nests more than ${MAX_EVENT_DEPTH} levels deep once its keys are split at their dots (ClickHouse stores a key "a.b" as "a" holding "b", one level per dot); an event may nest at most ${MAX_EVENT_DEPTH} levels: use fewer dots in keys, or nest less.`,
      }
    case 'number':
      return { field, error: `Field "${field}" holds a number ClickHouse cannot store as sent (beyond ±1e308, more than 309 digits before the point, or an exponent above 308); send such a number as a string.` }
    case 'surrogate':
      return {
        field,
        error: `Field "${field}" has an unpaired surrogate escape (like "\\ud800" without its low half), which is not valid Unicode text; escape whole characters only.`,
      }
    case 'empty-line':
      return { error: 'The event has an empty line inside it (two line breaks in a row), which ClickHouse cannot read inside an event; remove the empty line.' }
    case 'repeated':
      return { field, error: `Field "${field}" appears more than once in the event; send it once (JSON readers disagree on which of the values counts).` }
  }
}
