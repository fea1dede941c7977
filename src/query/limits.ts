// The one-sentence answer a client gets when its query hits a limit, and how much of an answer
// sluice reads. The limits themselves, as engine settings, are in store/query-limits.ts.
import type { QueryLimits } from '../store/query-limits'

export type { QueryLimits }
/** The environment variable that sets each limit, named in the error a client gets. */
const VARIABLE: Record<Exclude<keyof QueryLimits, 'maxConcurrent' | 'workerThreads'>, string> = {
  timeoutMs: 'QUERY_TIMEOUT_MS',
  maxRowsToRead: 'QUERY_MAX_ROWS_TO_READ',
  maxBytesToRead: 'QUERY_MAX_BYTES_TO_READ',
  maxResultRows: 'QUERY_MAX_RESULT_ROWS',
  maxResultBytes: 'QUERY_MAX_RESULT_BYTES',
  maxMemoryBytes: 'QUERY_MAX_MEMORY_BYTES',
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
