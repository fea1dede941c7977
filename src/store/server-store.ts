// A ClickHouse server over HTTP (CLICKHOUSE_URL): inserts as SQL with the rows streamed, /query on a
// client of its own that logs in as CLICKHOUSE_QUERY_USER when given (read grants only).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../config'
import { DEFAULT_SETTINGS, REQUEST_TIMEOUT_MS } from './client-settings'
import { serverSessions, type QueryConnection } from './query-sessions'
import type { QueryLimits } from './query-limits'
import { sqlInsert } from './sql-insert'
import { SingleStore } from './single-store'
import type { InsertRowsRequest } from './types'

export class ServerStore extends SingleStore {
  readonly where: string
  /** The writer's client (inserts, DDL, the landed check); tests read through it too. */
  readonly client: ClickHouseClient
  #queries: ClickHouseClient | undefined

  constructor(private readonly cfg: Config['clickhouse'] & { url: string }) {
    super()
    this.where = cfg.url
    this.client = createClient({
      url: cfg.url,
      username: cfg.user,
      password: cfg.password,
      request_timeout: REQUEST_TIMEOUT_MS,
      keep_alive: { enabled: true },
      // Failures reach sluice as errors and are logged there once per outage; the client's own
      // log would repeat every failed attempt and /ready probe while ClickHouse is down.
      log: { level: ClickHouseLogLevel.OFF },
      clickhouse_settings: {
        ...DEFAULT_SETTINGS,
        // Progress headers keep a long insert's connection from looking idle to proxies and load
        // balancers (https://github.com/ClickHouse/clickhouse-js/blob/main/docs/howto/long_running_queries.md).
        send_progress_in_http_headers: 1,
        http_headers_progress_interval_ms: '20000',
      },
    })
  }

  insertRows(request: InsertRowsRequest): Promise<void> {
    return sqlInsert(this.client, request)
  }

  querySessions(database: string, limits: QueryLimits) {
    this.#queries ??= serverQueryConnection({ ...this.cfg, database }).client
    return serverSessions(this.#queries, limits)
  }


  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.#queries?.close()])
  }
}

/** A client for POST /query on a server: the query user when given, reading CLICKHOUSE_DATABASE by default. */
export function serverQueryConnection(cfg: Config['clickhouse'] & { url: string }): QueryConnection {
  const client = createClient({
    url: cfg.url,
    username: cfg.queryUser ?? cfg.user,
    password: cfg.queryUser ? cfg.queryPassword : cfg.password,
    database: cfg.database,
    request_timeout: REQUEST_TIMEOUT_MS,
    keep_alive: { enabled: true },
    log: { level: ClickHouseLogLevel.OFF },
  })
  return { client }
}
