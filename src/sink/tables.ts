// Table DDL: one MergeTree table per dataset plus `_dead_letter`, created on first use and
// remembered, so the hot path costs one Map lookup instead of a CREATE per batch.
import type { Config } from '../config'
import { ident } from '../store/sql-text'
import type { TablePlace, TableSpec } from '../store/tables'
import type { Store } from '../store/types'

/** Starts with `_`, which dataset names cannot, so no dataset can ever collide with it. */
export const DEAD_LETTER_TABLE = '_dead_letter'

export { DEDUP_WINDOW_BLOCKS } from '../store/tables'

/**
 * Typed paths are the fields the spec names; they get real columns inside `data`, others stay dynamic.
 * Dynamic paths and the types each may take are bounded below ClickHouse's defaults (1,024 and 32):
 * further ones go to the column's shared data, still queryable. Measured on the embedded ClickHouse,
 * 29 MB of fuzzed events with ever-new keys and nested shapes inserted in 13 s this way and took
 * longer than 20 s with the defaults. https://clickhouse.com/docs/sql-reference/data-types/newjson
 * A table created before keeps the defaults: it works the same, only slower on such data.
 */
export const DATA_TYPE =
  'JSON(max_dynamic_paths = 128, max_dynamic_types = 8, message Nullable(String), level Nullable(String), requestId Nullable(String), traceId Nullable(String), ' +
  'service Nullable(String), namespace Nullable(String), duration Nullable(Float64))'

/**
 * Parts are written in the compact format (one data file) at any size. In the wide format every
 * path of the JSON column, every type a path takes and every object nested in arrays gets files of
 * its own: one 6 MB request of distinct keys made an insert open more than 20,000 files and fail
 * ("Too many open files", errno 24) on every retry, stalling the dataset; 29 MB of fuzzed events
 * did the same even with the path limits of DATA_TYPE. Compact parts wrote the same 29 MB as one
 * part of 14 files. Changed on existing tables too (ALTER ... MODIFY SETTING
 * is metadata only). https://clickhouse.com/docs/engines/table-engines/mergetree-family/mergetree#mergetree-data-storage
 */
export const PART_SETTINGS = 'min_bytes_for_wide_part = 1099511627776, min_rows_for_wide_part = 1000000000000'

/** Characters at the start of an `_id` that name its request (ingest/rows/enrich.ts: `<32 hex>-<index>`). */
export const REQUEST_KEY_CHARS = 32

/**
 * The landed check after a restart looks rows up by request (landed.ts: the first 32 characters of
 * `_id`); without an index on that expression every check reads the whole `_id` column. Added to
 * existing tables too (metadata only; parts written before stay unindexed and are read in full).
 */
export const REQUEST_INDEX = `INDEX idx_request substring(_id, 1, ${REQUEST_KEY_CHARS}) TYPE bloom_filter(0.01) GRANULARITY 4`

export function datasetTableDDL(place: TablePlace, ttlDays: number): string {
  // Day partitions make the TTL a cheap whole-part drop (ttl_only_drop_parts).
  const ttl = ttlDays > 0 ? `TTL _timestamp + INTERVAL ${Math.floor(ttlDays)} DAY ` : ''
  const ttlSetting = ttlDays > 0 ? ', ttl_only_drop_parts = 1' : ''
  return `CREATE TABLE IF NOT EXISTS ${place.name} (
  _timestamp DateTime64(3),
  _service LowCardinality(String),
  _namespace String,
  _id String,
  _raw String CODEC(ZSTD(3)),
  data ${DATA_TYPE} DEFAULT _raw,
  INDEX idx_id _id TYPE bloom_filter(0.01) GRANULARITY 4,
  ${REQUEST_INDEX}
) ENGINE = ${place.engine}
PARTITION BY toDate(_timestamp)
ORDER BY (_service, _timestamp)
${ttl}SETTINGS ${place.dedup}${PART_SETTINGS}${ttlSetting}`
}

/**
 * Brings an existing table to the current part settings and to today's CLICKHOUSE_TTL_DAYS (each
 * statement idempotent, metadata only). The TTL matters for the promise: ingest accepts events up
 * to the configured TTL, and a table still carrying an older, shorter TTL would drop them as they
 * are inserted, after their 202. The new TTL is not materialised (that rewrites parts); merges
 * apply it to older parts as they go.
 */
export function upgradeTableDDL(table: string, ttlDays: number): string[] {
  return [
    `ALTER TABLE ${table} MODIFY SETTING ${PART_SETTINGS}`,
    `ALTER TABLE ${table} ADD INDEX IF NOT EXISTS ${REQUEST_INDEX.slice('INDEX '.length)}`,
    ttlDays > 0
      ? `ALTER TABLE ${table} MODIFY TTL _timestamp + INTERVAL ${Math.floor(ttlDays)} DAY SETTINGS materialize_ttl_after_modify = 0`
      : `ALTER TABLE ${table} REMOVE TTL`,
  ]
}

export function deadLetterTableDDL(place: TablePlace): string {
  return `CREATE TABLE IF NOT EXISTS ${place.name} (
  received DateTime64(3) DEFAULT now64(3),
  dataset String,
  _id String,
  error String,
  row String CODEC(ZSTD(3))
) ENGINE = ${place.engine}
ORDER BY (dataset, received)
${place.dedup ? `SETTINGS ${place.dedup.replace(/, $/, '')}` : ''}`
}

/** Creates tables once per process (per shard of a cluster). Concurrent callers share one promise;
 *  a failure is forgotten so the next call tries again. */
export class TableManager {
  readonly database: string
  readonly ttlDays: number
  readonly #ready = new Map<string, Promise<void>>()

  constructor(
    private readonly store: Store,
    cfg: Pick<Config['clickhouse'], 'database' | 'ttlDays'>,
  ) {
    this.database = cfg.database
    this.ttlDays = cfg.ttlDays
  }

  ensure(dataset: string, shard = 0): Promise<void> {
    const ttlDays = this.ttlDays
    return this.#cached(dataset, shard, {
      database: this.database,
      table: dataset,
      create: (place) => datasetTableDDL(place, ttlDays),
      upgrades: (name) => upgradeTableDDL(name, ttlDays),
    })
  }

  ensureDeadLetter(shard = 0): Promise<void> {
    return this.#cached(DEAD_LETTER_TABLE, shard, { database: this.database, table: DEAD_LETTER_TABLE, create: deadLetterTableDDL })
  }

  /** Drops the cached "exists" (the table was dropped under us), so the next ensure() re-creates it. */
  forget(table: string, shard = 0): void {
    this.#ready.delete(`${table}\0${shard}`)
  }

  #cached(table: string, shard: number, spec: TableSpec): Promise<void> {
    const key = `${table}\0${shard}`
    let ready = this.#ready.get(key)
    if (!ready) {
      const attempt = this.store.ensureTable(spec, shard)
      attempt.catch(() => {
        if (this.#ready.get(key) === attempt) this.#ready.delete(key)
      })
      this.#ready.set(key, attempt)
      ready = attempt
    }
    return ready
  }
}

/** The database itself, so /query and the console can name it before the first event (on every node of a cluster). */
export async function ensureDatabase(store: Store, database: string): Promise<void> {
  await store.command(`CREATE DATABASE IF NOT EXISTS ${ident(database)}`)
}
