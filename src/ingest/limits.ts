// The Events API's limits: sizes (spec: "up to 6MB of uncompressed data per request", "each event
// must be smaller than 256kb"; binary units, the generous reading of both; "smaller than": an event
// of exactly MAX_EVENT_BYTES is refused) and how deep an event may nest.

export const MAX_BODY_BYTES = 6 * 1024 * 1024
export const MAX_EVENT_BYTES = 256 * 1024

/**
 * Deepest nesting of objects and arrays an event may have, the event object itself being level 1.
 * Measured on the embedded ClickHouse (one event inserted into a dataset table): arrays nested 256
 * deep insert as fast as a flat event, 500 deep take 4x as long, 1,000 deep 10x, 2,000 deep are
 * refused ("Stack size too large") and 4,000 deep hang the engine. Real log events nest a few
 * levels (Elasticsearch's default mapping depth limit is 20:
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-settings-limit.html).
 * Each dot in a key counts as a level too: the JSON type stores {"a.b":1} as {"a":{"b":1}} (every
 * dot, escaped, leading, trailing or doubled), so a 40 KB key of 20,000 dotted segments is 20,000
 * levels, and reading it back (`SELECT *`) runs out of the query's memory limit.
 */
export const MAX_EVENT_DEPTH = 64

/**
 * Compressed bytes read per request. Compression never makes JSON bigger by more than a few
 * bytes per 64 KB block (RFC 1951 §3.2.4 stored blocks), so a body whose compressed form passes
 * its own inflated limit is a bomb of empty members or padding: stop reading it there.
 */
export const MAX_WIRE_BYTES = MAX_BODY_BYTES + 64 * 1024

/** A request body must arrive within this: 6 MB at 1 Mbit/s takes about 50 s. */
export const BODY_READ_TIMEOUT_MS = 60_000
