// A ClickHouse server over HTTP (CLICKHOUSE_URL): inserts as SQL with the rows streamed, /query on a
// client of its own that logs in as CLICKHOUSE_QUERY_USER when given (read grants only).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../config'
import { ConfigError } from '../errors'
import { DEFAULT_SETTINGS, REQUEST_TIMEOUT_MS } from './client-settings'
import { serverSessions, type QueryConnection } from './query-sessions'
import type { QueryLimits } from './query-limits'
import { sqlInsert } from './sql-insert'
import { SingleStore } from './single-store'
import type { InsertRowsRequest } from './types'

/**
 * The oldest server sluice writes to: every insert sets
 * input_format_json_infer_array_of_dynamic_from_array_of_different_types (insert-settings.ts),
 * which 25.8 introduced; an older server refuses every insert as an unknown setting.
 */
export const MIN_SERVER_VERSION = '25.8'

export class ServerStore extends SingleStore {
  readonly where: string
  /** The writer's client (inserts, DDL, the landed check); tests read through it too. */
  readonly client: ClickHouseClient
  /** The version check of the first statement, kept once it passed. */
  #supported: Promise<void> | undefined

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

  async insertRows(request: InsertRowsRequest): Promise<void> {
    await this.#checkVersion()
    return sqlInsert(this.client, request)
  }

  override async command(sql: string): Promise<void> {
    await this.#checkVersion()
    await super.command(sql)
  }

  override async queryRows<T extends unknown[]>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    await this.#checkVersion()
    return super.queryRows<T>(sql, params)
  }

  /**
   * Refuses a server older than MIN_SERVER_VERSION with a ConfigError naming both versions (at start,
   * when the server answers then: start-up fails), instead of every insert failing on a setting.
   * Checked again after a failure: the server may be down now, or upgraded later.
   */
  #checkVersion(): Promise<void> {
    this.#supported ??= serverVersion(this.cfg).then(
      (version) => {
        if (olderThan(version, MIN_SERVER_VERSION)) {
          throw new ConfigError([`CLICKHOUSE_URL: the server at ${this.cfg.url} runs ClickHouse ${version}; sluice needs ${MIN_SERVER_VERSION} or later (every insert sets a setting ${MIN_SERVER_VERSION} introduced)`])
        }
      },
    )
    this.#supported.catch(() => (this.#supported = undefined))
    return this.#supported
  }

  /**
   * Each call's sessions get a client of their own, reading `database`, which their close() closes:
   * one shared client would read the first caller's database for every caller, and be closed under
   * the others by the first query role that stops.
   */
  querySessions(database: string, limits: QueryLimits) {
    return serverSessions(serverQueryConnection({ ...this.cfg, database }).client, limits)
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}

/** The server's version, asked without the writer's settings, which an old server may not know. */
async function serverVersion(cfg: Config['clickhouse'] & { url: string }): Promise<string> {
  const client = createClient({ url: cfg.url, username: cfg.user, password: cfg.password, request_timeout: REQUEST_TIMEOUT_MS, log: { level: ClickHouseLogLevel.OFF } })
  try {
    const [[version]] = await (await client.query({ query: 'SELECT version()', format: 'JSONCompactEachRow' })).json<[string]>()
    return String(version)
  } finally {
    await client.close()
  }
}

/** Whether dotted version `a` comes before `b` (`24.8.14.10` before `25.8`). */
export function olderThan(a: string, b: string): boolean {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < y.length; i++) {
    if ((x[i] ?? 0) !== y[i]) return (x[i] ?? 0) < y[i]!
  }
  return false
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
