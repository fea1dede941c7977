// Decides, from ClickHouse's answer alone, whether an insert should be retried later or its rows
// refused. Codes: https://github.com/ClickHouse/ClickHouse/blob/master/src/Common/ErrorCodes.cpp
import { RowsRejectedError, StoreUnavailableError } from '../errors'

/** The data itself is wrong: the same rows fail the same way every time. */
export const REJECT_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'], // a row that is not valid JSON
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'], // `_timestamp` that no parser understands
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'], // what the JSON column raises: `_raw` not an object, "duration":"abc", lone surrogates
  [130, 'CANNOT_READ_ARRAY_FROM_TEXT'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [306, 'TOO_DEEP_RECURSION'], // absurdly nested events
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [407, 'DECIMAL_OVERFLOW'],
])

/**
 * The store cannot take the rows now but may later. Anything not in REJECT_CODES is retried as well
 * (refusing good rows is worse than waiting); this list documents the expected ones.
 * 32 ATTEMPT_TO_READ_AFTER_EOF and 33 CANNOT_READ_ALL_DATA are deliberately not rejects: a body cut
 * short in transit raises them too.
 */
export const RETRY_CODES: ReadonlyMap<number, string> = new Map([
  [60, 'UNKNOWN_TABLE'], // dropped under us: the writer re-creates it on the next attempt
  [81, 'UNKNOWN_DATABASE'],
  [159, 'TIMEOUT_EXCEEDED'],
  [160, 'TOO_SLOW'],
  [164, 'READONLY'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [252, 'TOO_MANY_PARTS'], // merges behind inserts; the writer disables the per-insert partition limit that shares this code
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [439, 'CANNOT_SCHEDULE_TASK'],
  [999, 'KEEPER_EXCEPTION'],
])

/** The numeric ClickHouse error code, or undefined for network errors and the like. Duck-typed:
 *  chdb and @clickhouse/client each carry their own ClickHouseError class, and chDB's own errors
 *  (its raw insert) keep the engine's code in `clickhouseCode` beside a `code` of their own. */
export function clickhouseCode(err: unknown): number | undefined {
  const engine = (err as { clickhouseCode?: unknown } | null)?.clickhouseCode
  if (typeof engine === 'number') return engine
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'number') return code
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code)
  return undefined
}

export function isRetryable(err: unknown): boolean {
  const code = clickhouseCode(err)
  return code === undefined || !REJECT_CODES.has(code)
}

/** The table or database is gone (dropped by hand, or never created): re-run the DDL. */
export function isMissingTable(err: unknown): boolean {
  const code = clickhouseCode(err)
  return code === 60 || code === 81
}

/** Translates a failed insert into sluice's own error, keeping ClickHouse's as the cause. */
export function classifyInsertError(err: unknown): StoreUnavailableError | RowsRejectedError {
  if (err instanceof StoreUnavailableError || err instanceof RowsRejectedError) return err
  const message = err instanceof Error ? err.message : String(err)
  const code = clickhouseCode(err)
  return isRetryable(err)
    ? new StoreUnavailableError(`ClickHouse insert failed: ${message}`, { cause: err })
    : new RowsRejectedError(message, code, { cause: err })
}
