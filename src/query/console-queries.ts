// The SQL the console runs for a person browsing datasets: the list, one dataset's fields, a
// histogram, a page of events and a tail poll. Every statement is built from validated names and
// numbers only, and is run through QueryRunner like any POST /query (same gate, same limits).
import { isValidDataset } from '../datasets'
import { stringLiteral } from './statement-gate'
import type { TimeRange } from './console-answers'

export type { TimeRange }

/** `db`.`dataset`; the name is checked here too, since it comes from a browser. */
export function datasetTable(database: string, dataset: string): string {
  if (!isValidDataset(dataset)) throw new Error(`not a dataset name: ${JSON.stringify(dataset)}`)
  return `\`${database}\`.\`${dataset}\``
}

/** Rows read to list the fields of `data`: the newest ones, so a large dataset costs the same as a small one. */
export const FIELD_SAMPLE_ROWS = 1000
/** Fields listed at most; a dataset of ever-new keys would otherwise answer thousands. */
export const MAX_FIELDS = 500
/** Longer paths are left out of the list (a sender may invent any key; the list is for people). */
export const MAX_FIELD_PATH_CHARS = 200
/** Levels a histogram shows apart, the commonest; the rest are counted together as LEVEL_OTHER. */
export const HISTOGRAM_LEVELS = 8
export const LEVEL_OTHER = '(other)'
/** Characters of a level kept (a sender may put anything there). */
const LEVEL_CHARS = 40
/** Buckets a histogram aims at (fewer when the range is short). */
export const HISTOGRAM_BUCKETS = 60
/** Events one page of the events table shows. */
export const EVENTS_PAGE_ROWS = 100

/** Datasets are the tables of the database, less the dead-letter table (its name starts with `_`, which no dataset can). */
export const datasetListSql = (database: string): string =>
  `SELECT name, total_rows, total_bytes FROM system.tables WHERE database = ${stringLiteral(database)} AND (engine LIKE '%MergeTree' OR engine = 'Distributed') AND NOT startsWith(name, '_') ORDER BY name`

/** First and last event time of each dataset, in one statement (ms since the epoch). */
export const datasetSpansSql = (database: string, datasets: readonly string[]): string =>
  datasets
    .map((d) => `SELECT ${stringLiteral(d)} AS dataset, toUnixTimestamp64Milli(min(_timestamp)) AS first, toUnixTimestamp64Milli(max(_timestamp)) AS last FROM ${datasetTable(database, d)}`)
    .join(' UNION ALL ')

/** Paths seen in `data` of the newest rows, each with the ClickHouse types it took. */
export const fieldsSql = (database: string, dataset: string): string =>
  `SELECT path, groupUniqArray(type) AS types FROM (SELECT JSONAllPathsWithTypes(data) AS m FROM ${datasetTable(database, dataset)} ORDER BY _timestamp DESC LIMIT ${FIELD_SAMPLE_ROWS}) ` +
  `ARRAY JOIN mapKeys(m) AS path, mapValues(m) AS type WHERE length(path) <= ${MAX_FIELD_PATH_CHARS} GROUP BY path ORDER BY path LIMIT ${MAX_FIELDS}`


/** An integer as SQL text; a huge number would print as `1e+300`, so it is refused rather than written. */
function msLiteral(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new Error(`not a time in ms: ${ms}`)
  return String(ms)
}

const rangeWhere = ({ fromMs, toMs }: TimeRange): string =>
  `_timestamp >= fromUnixTimestamp64Milli(toInt64(${msLiteral(Math.floor(fromMs))})) AND _timestamp < fromUnixTimestamp64Milli(toInt64(${msLiteral(Math.ceil(toMs))}))`

/** Bucket widths a person reads easily, in seconds. */
const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000]

/** The smallest readable bucket width that covers `range` in at most HISTOGRAM_BUCKETS buckets. */
export function bucketSeconds({ fromMs, toMs }: TimeRange): number {
  const spanS = Math.max(1, (toMs - fromMs) / 1000)
  return STEPS_S.find((s) => spanS / s <= HISTOGRAM_BUCKETS) ?? Math.ceil(spanS / HISTOGRAM_BUCKETS / 86400) * 86400
}

/**
 * Counts per bucket and level (`''` when an event has none); `t` is the bucket start in seconds.
 * Levels are whatever senders wrote: the commonest HISTOGRAM_LEVELS are kept apart and the rest
 * counted as LEVEL_OTHER, so the answer is at most (buckets x levels + 1) rows however many there are.
 */
export function histogramSql(database: string, dataset: string, range: TimeRange, stepS: number): string {
  const table = datasetTable(database, dataset)
  const where = rangeWhere(range)
  const level = `substring(ifNull(toString(data.level), ''), 1, ${LEVEL_CHARS})`
  return (
    `WITH (SELECT groupArray(l) FROM (SELECT ${level} AS l FROM ${table} WHERE ${where} GROUP BY l ORDER BY count() DESC LIMIT ${HISTOGRAM_LEVELS})) AS top ` +
    `SELECT toUnixTimestamp(toStartOfInterval(_timestamp, INTERVAL ${Math.floor(stepS)} SECOND)) AS t, if(has(top, ${level}), ${level}, ${stringLiteral(LEVEL_OTHER)}) AS level, count() AS n ` +
    `FROM ${table} WHERE ${where} GROUP BY t, level ORDER BY t LIMIT ${(HISTOGRAM_BUCKETS + 2) * (HISTOGRAM_LEVELS + 1)}`
  )
}

/** Bytes of an event's `_raw` the console is sent (events reach 256 KB; a page of 100 of them would be 25 MB). */
export const MAX_RAW_BYTES = 16 * 1024

/** Columns of an event as the console shows it: `raw` cut at MAX_RAW_BYTES, `bytes` its whole length. */
const EVENT_COLUMNS = `toUnixTimestamp64Milli(_timestamp) AS ts, _service AS service, _id AS id, substring(_raw, 1, ${MAX_RAW_BYTES}) AS raw, length(_raw) AS bytes`

/**
 * How far ahead of now an event may be stamped and still be among "the newest" events: a little
 * clock skew between senders and ClickHouse. Senders may stamp events up to EVENT_MAX_FUTURE_DAYS
 * ahead, and anyone holds the public ingest key: without this bound, events stamped hours ahead
 * would fill every "newest" list (the console's tail and first page, `npm run query -- --watch`)
 * until their time came. They are shown when it comes; a query finds them at any time.
 */
export const TAIL_AHEAD_MS = 5000

/** `_timestamp` not later than now plus TAIL_AHEAD_MS, by ClickHouse's clock. */
export const NOT_AHEAD_OF_NOW = `_timestamp <= now64(3) + toIntervalMillisecond(${TAIL_AHEAD_MS})`

/** The newest events of a range, as sent (`_raw`); with no range, the newest up to now (NOT_AHEAD_OF_NOW). */
export const eventsSql = (database: string, dataset: string, range: TimeRange | undefined, limit = EVENTS_PAGE_ROWS): string =>
  `SELECT ${EVENT_COLUMNS} FROM ${datasetTable(database, dataset)} WHERE ${range ? rangeWhere(range) : NOT_AHEAD_OF_NOW} ORDER BY _timestamp DESC LIMIT ${Math.floor(limit)}`

/** How far back a tail looks for events it has not shown: events whose own time is older are not tailed. */
export const TAIL_LOOKBACK_S = 600

/** One tail poll: the newest events whose time is within the look-back, and not ahead of now (TAIL_AHEAD_MS). */
export const tailSql = (database: string, dataset: string, rows: number): string =>
  `SELECT ${EVENT_COLUMNS} FROM ${datasetTable(database, dataset)} ` +
  `WHERE _timestamp >= now64(3) - INTERVAL ${TAIL_LOOKBACK_S} SECOND AND ${NOT_AHEAD_OF_NOW} ORDER BY _timestamp DESC LIMIT ${Math.floor(rows)}`
