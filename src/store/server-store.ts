// A ClickHouse server over HTTP (CLICKHOUSE_URL): inserts as SQL with the rows streamed, /query on a
// client of its own that logs in as CLICKHOUSE_QUERY_USER when given (read grants only).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../config'
import { DEFAULT_SETTINGS, REQUEST_TIMEOUT_MS } from './client-settings'
import { serverSessions, type QueryConnection } from './query-sessions'
import type { QueryLimits } from './query-limits'
import { sqlInsert } from './sql-insert'
import type { InsertRowsRequest, Store } from './types'

export class ServerStore implements Store {
  readonly where: string
  /** The writer's client (inserts, DDL, the landed check); tests read through it too. */
  readonly client: ClickHouseClient

  constructor(private readonly cfg: Config['clickhouse'] & { url: string }) {
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

  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql })
  }

  async queryRows<T extends unknown[]>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await this.client.query({ query: sql, query_params: params, format: 'JSONCompactEachRow' })).json<T>()
  }

  /**
   * Each call's sessions get a client of their own, reading `database`, which their close() closes:
   * one shared client would read the first caller's database for every caller, and be closed under
   * the others by the first query role that stops.
   */
  querySessions(database: string, limits: QueryLimits) {
    return serverSessions(serverQueryConnection({ ...this.cfg, database }).client, limits)
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping().catch(() => undefined))?.success === true
  }

  async close(): Promise<void> {
    await this.client.close()
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
