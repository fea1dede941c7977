// POST /query: one read statement as the body, ClickHouse's JSON back. It takes a query key
// (QUERY_KEYS, secret); an ingest key (API_KEYS) is public and opens nothing here.
import { Elysia } from 'elysia'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { QueryRunner } from '../query/run-query'
import { AccessKeys, type ApiKeys } from './api-keys'
import { errorAnswer, noClickHouse, queryKeyRefused } from './error-answers'
import { queryOperation } from './model'
import { statusResponse } from './responses'

/** SQL longer than this is surely not typed by a person; refuse it before reading further. */
const MAX_SQL_BYTES = 256 * 1024

export interface QueryRouteDependencies {
  /** Ingest keys (public), told apart from query keys to answer them plainly. */
  keys: ApiKeys
  /** Query keys (secret): the only keys /query takes. */
  queryKeys: ApiKeys
  /** Undefined on an ingest-only node, which has no ClickHouse. */
  runner: QueryRunner | undefined
  metrics: Metrics
  logger: Logger
}

export function queryRoute(deps: QueryRouteDependencies) {
  const answer = (response: Response) => deps.metrics.counted('query', response)
  const access = new AccessKeys(deps.keys, deps.queryKeys)
  return new Elysia({ name: 'query' }).post(
    '/query',
    async ({ request }) => {
      const kind = access.kindOf(request.headers.get('x-api-key'))
      if (kind !== 'query') return answer(queryKeyRefused(kind))
      if (deps.runner === undefined) return answer(noClickHouse())
      let sql: string | undefined
      try {
        sql = await readCapped(request, MAX_SQL_BYTES)
      } catch {
        // The client went away or broke off mid-body: its request, not a server error.
        return answer(statusResponse(400, { error: 'The query body could not be read to the end.' }))
      }
      if (sql === undefined) return answer(statusResponse(413, { error: `The query is longer than ${MAX_SQL_BYTES} bytes.` }))
      try {
        const body = await deps.runner.run(sql, request.signal)
        return answer(new Response(body, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } }))
      } catch (error) {
        return answer(errorAnswer(error, { logger: deps.logger, what: 'query' }))
      }
    },
    { parse: 'none', detail: queryOperation as never },
  )
}

/** The body as text, or undefined once it passes maxBytes (read no further: a body may be chunked, with no length). */
async function readCapped(request: Request, maxBytes: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return undefined
  if (request.body === null) return ''
  const parts: Uint8Array[] = []
  let bytes = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    parts.push(value)
  }
  return Buffer.concat(parts).toString('utf8')
}
