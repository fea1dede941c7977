// POST /query: read-only ClickHouse SQL as the body, JSON rows back.
import { Elysia } from 'elysia'
import { QueryRejectedError, StoreUnavailableError } from '../errors'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { QueryRunner } from '../query/run-query'
import type { ApiKeys } from './api-keys'
import { queryOperation } from './model'
import { json, statusResponse } from './responses'

/** SQL longer than this is surely not typed by a person; refuse it before reading further. */
const MAX_SQL_BYTES = 256 * 1024

export interface QueryRouteDependencies {
  keys: ApiKeys
  /** Undefined on an ingest-only node, which has no ClickHouse. */
  runner: QueryRunner | undefined
  metrics: Metrics
  logger: Logger
}

export function queryRoute(deps: QueryRouteDependencies) {
  const answer = (response: Response) => deps.metrics.counted('query', response)
  return new Elysia({ name: 'query' }).post(
    '/query',
    async ({ request }) => {
      if (!deps.keys.accepts(request.headers.get('x-api-key'))) return answer(statusResponse(401))
      if (deps.runner === undefined) return answer(statusResponse(503, { error: 'This node runs ROLE=ingest and has no ClickHouse connection.' }))
      const sql = await request.text()
      if (Buffer.byteLength(sql) > MAX_SQL_BYTES) return answer(statusResponse(413, { error: `The query is longer than ${MAX_SQL_BYTES} bytes.` }))
      try {
        return answer(json(200, await deps.runner.run(sql)))
      } catch (error) {
        if (error instanceof QueryRejectedError) return answer(statusResponse(error.status, { error: error.message }))
        if (error instanceof StoreUnavailableError) {
          deps.logger.warn({ err: error }, 'query failed: ClickHouse unavailable')
          return answer(statusResponse(503, { error: error.message }))
        }
        deps.logger.error({ err: error }, 'query failed')
        return answer(statusResponse(500))
      }
    },
    { parse: 'none', detail: queryOperation as never },
  )
}
