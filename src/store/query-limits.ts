// The limits every POST /query runs under, as ClickHouse settings. They are applied together with
// readonly=1, which makes ClickHouse refuse any later change from the SQL (SETTINGS clauses, SET):
// https://clickhouse.com/docs/operations/settings/permissions-for-queries#readonly
import { availableParallelism } from 'node:os'
import type { QueryLimits } from '../config'

export type { QueryLimits }

/**
 * Rows per block. ClickHouse checks the time limit between blocks and interrupts none, so smaller
 * blocks keep an expensive query's overrun short; much smaller ones would slow every scan. Rows that
 * each scan a shared array of a million elements (a scalar subquery's groupArray) still take seconds
 * per block, at 2,048 rows as at 8,192 (measured): the block size does not bound that.
 */
export const BLOCK_ROWS = 8192

/** range() elements per block of rows: a million UInt64 are 8 MB, past what a log query needs, and bound what a call per element can be asked to scan. */
export const RANGE_ELEMENTS_PER_BLOCK = 1_000_000

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
    ['max_block_size', BLOCK_ROWS],
    // Dynamic JSON paths have type Dynamic; without these, GROUP BY / ORDER BY on them is refused.
    ['allow_suspicious_types_in_group_by', 1],
    ['allow_suspicious_types_in_order_by', 1],
    // Beneath the gate's allowlist, the engine's own refusals: introspection functions (on by
    // default in the embedded engine), and the elements range() may make per block (default 500
    // million).
    ['allow_introspection_functions', 0],
    ['function_range_max_elements_in_block', RANGE_ELEMENTS_PER_BLOCK],
    ['readonly', 1],
  ]
}

