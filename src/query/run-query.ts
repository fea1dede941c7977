// Runs a read-only query from POST /query (or `npm run query`) and returns JSON rows.
import type { ClickHouseClient } from '@clickhouse/client'
import { Type as T, type Static } from '@sinclair/typebox'
import { QueryRejectedError, StoreUnavailableError } from '../errors'
import { checkReadOnlySql } from './read-only-sql'

/** ClickHouse's JSON output format, as POST /query answers. */
export const QueryResult = T.Object({
  meta: T.Array(T.Object({ name: T.String(), type: T.String() }), { description: 'Column names and ClickHouse types' }),
  data: T.Array(T.Record(T.String(), T.Unknown()), { description: 'One object per row' }),
  rows: T.Integer(),
  statistics: T.Optional(T.Object({ elapsed: T.Number(), rows_read: T.Number(), bytes_read: T.Number() })),
})
export type QueryResult = Static<typeof QueryResult>

/** Limits that keep one query from taking the process down. */
const QUERY_LIMITS = { max_execution_time: 60, max_result_rows: '1000000', result_overflow_mode: 'throw' } as const

export class QueryRunner {
  constructor(
    private readonly client: ClickHouseClient,
    /** A server honours per-query settings; the embedded engine keeps them for the session. */
    private readonly perQuerySettings: boolean,
  ) {}

  async run(sql: string): Promise<QueryResult> {
    const statement = checkReadOnlySql(sql)
    try {
      const result = await this.client.query({
        query: statement,
        format: 'JSON',
        clickhouse_settings: this.perQuerySettings ? { readonly: '2', ...QUERY_LIMITS } : undefined,
      })
      return (await result.json()) as QueryResult
    } catch (error) {
      throw toQueryError(error)
    }
  }
}

/** ClickHouse's own verdict on the query (syntax, unknown table, ...) goes back to the client as 400. */
function toQueryError(error: unknown): Error {
  const e = error as { code?: unknown; type?: unknown; message?: string }
  if (typeof e?.code === 'string' && /^\d+$/.test(e.code)) {
    return new QueryRejectedError(`ClickHouse refused the query: ${e.message?.trim()}${e.type ? ` (${e.type})` : ''}`, 400, { cause: error })
  }
  return new StoreUnavailableError('ClickHouse did not answer the query.', { cause: error })
}
