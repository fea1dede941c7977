// The limits every POST /query runs under, as ClickHouse settings, and the one-sentence answer a
// client gets when its query hits one. The settings are applied together with readonly=1, which
// makes ClickHouse refuse any later change from the SQL (SETTINGS clauses, SET):
// https://clickhouse.com/docs/operations/settings/permissions-for-queries#readonly
import { availableParallelism } from 'node:os'

export interface QueryLimits {
  /** Wall time of one query. */
  timeoutMs: number
  maxRowsToRead: number
  maxBytesToRead: number
  maxResultRows: number
  maxResultBytes: number
  maxMemoryBytes: number
  /** Queries running at once on this node; more get 429. */
  maxConcurrent: number
  /**
   * The runtime's worker threads (UV_THREADPOOL_SIZE). Every embedded chDB call, inserts included,
   * holds one while it runs, so embedded queries may take all but one: a query never leaves the
   * batcher waiting for a thread.
   */
  workerThreads: number
}

/** The environment variable that sets each limit, named in the error a client gets. */
const VARIABLE: Record<Exclude<keyof QueryLimits, 'maxConcurrent' | 'workerThreads'>, string> = {
  timeoutMs: 'QUERY_TIMEOUT_MS',
  maxRowsToRead: 'QUERY_MAX_ROWS_TO_READ',
  maxBytesToRead: 'QUERY_MAX_BYTES_TO_READ',
  maxResultRows: 'QUERY_MAX_RESULT_ROWS',
  maxResultBytes: 'QUERY_MAX_RESULT_BYTES',
  maxMemoryBytes: 'QUERY_MAX_MEMORY_BYTES',
}

/** range() elements per block of rows: 10 million UInt64 are 80 MB, far past what a log query needs. */
export const RANGE_ELEMENTS_PER_BLOCK = 10_000_000

/**
 * Settings of a query session, in the order they must be applied: readonly last, since once it is
 * 1 nothing can be changed. Queries get half the cores so ingest and the batcher keep the rest.
 */
export function limitSettings(limits: QueryLimits): [string, string | number][] {
  return [
    ['max_execution_time', limits.timeoutMs / 1000],
    ['timeout_overflow_mode', 'throw'],
    ['max_rows_to_read', limits.maxRowsToRead],
    ['max_bytes_to_read', limits.maxBytesToRead],
    ['read_overflow_mode', 'throw'],
    ['max_result_rows', limits.maxResultRows],
    ['max_result_bytes', limits.maxResultBytes],
    ['result_overflow_mode', 'throw'],
    ['max_memory_usage', limits.maxMemoryBytes],
    // A sort or GROUP BY past half the memory limit spills to temporary files: as much disk as memory.
    ['max_temporary_data_on_disk_size_for_query', limits.maxMemoryBytes],
    ['max_threads', Math.max(1, Math.floor(availableParallelism() / 2))],
    // ClickHouse checks the time limit between blocks: smaller blocks keep an expensive query's
    // overrun short (the default is 65,536 rows).
    ['max_block_size', 8192],
    // Dynamic JSON paths have type Dynamic; without these, GROUP BY / ORDER BY on them is refused.
    ['allow_suspicious_types_in_group_by', 1],
    ['allow_suspicious_types_in_order_by', 1],
    // Beneath the gate's allowlist, the engine's own refusals: introspection functions (on by
    // default in the embedded engine), and the elements range() may make per block (default 500
    // million), which bounds what a lambda over range() can be asked to do.
    ['allow_introspection_functions', 0],
    ['function_range_max_elements_in_block', RANGE_ELEMENTS_PER_BLOCK],
    ['readonly', 1],
  ]
}

/**
 * The limit a ClickHouse error reports, as a sentence naming the variable, or undefined when the
 * error is not a limit. Codes: https://github.com/ClickHouse/ClickHouse/blob/master/src/Common/ErrorCodes.cpp
 * (158 TOO_MANY_ROWS, 159 TIMEOUT_EXCEEDED, 160 TOO_SLOW, 241 MEMORY_LIMIT_EXCEEDED, 307 TOO_MANY_BYTES,
 * 396 TOO_MANY_ROWS_OR_BYTES).
 */
export function limitHit(code: string, message: string, limits: QueryLimits): string | undefined {
  const say = (what: string, key: keyof typeof VARIABLE) => `The query ${what} (${VARIABLE[key]}=${limits[key]}): narrow it (a shorter time range, a LIMIT, fewer columns) and send it again.`
  switch (code) {
    case '159':
    case '160':
      return say(`ran longer than ${limits.timeoutMs} ms`, 'timeoutMs')
    case '241':
      return say('needed more memory than allowed', 'maxMemoryBytes')
    case '158':
      return say('would read more rows than allowed', 'maxRowsToRead')
    case '307':
      return say('would read more bytes than allowed', 'maxBytesToRead')
    case '396':
      if (/max_result_bytes|result exceeded, max bytes/i.test(message)) return say('answered more bytes than allowed', 'maxResultBytes')
      if (/result exceeded/i.test(message)) return say('answered more rows than allowed', 'maxResultRows')
      if (/bytes/i.test(message)) return say('would read more bytes than allowed', 'maxBytesToRead')
      return say('would read more rows than allowed', 'maxRowsToRead')
    default:
      return undefined
  }
}

/**
 * The most bytes of JSON sluice reads of one answer before it refuses it (413). ClickHouse's own
 * max_result_bytes counts a constant column once per block, and its JSON repeats every column name
 * in every row: `SELECT repeat('a', 1000000) FROM numbers(100)` or a 100 KB alias answered 100 MB
 * under a 32 MiB limit. JSON of the allowed bytes takes at most about twice as many.
 */
export const answerCapBytes = (limits: QueryLimits): number => 2 * limits.maxResultBytes + 1024 * 1024

export const answerTooLarge = (limits: QueryLimits): string =>
  `The query answered more bytes than allowed (QUERY_MAX_RESULT_BYTES=${limits.maxResultBytes}, as JSON at most ${answerCapBytes(limits)}): narrow it (fewer or shorter columns, a LIMIT) and send it again.`
