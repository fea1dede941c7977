// The ClickHouse client: a server over HTTP when CLICKHOUSE_URL is set, else embedded chDB in
// DATA_DIR. Both are @clickhouse/client instances, so everything above this file has one code path.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client'
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection'
import type { Config } from '../config'
import { registerRawInsert } from './embedded-insert'
import { joinJsonDocuments } from './json-chunks'

export type { ClickHouseClient }
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

/** Large batches (32 MB by default) can take seconds on a busy server; a hung socket must still fail. */
export const REQUEST_TIMEOUT_MS = 120_000

/** Settings every query gets, on both backends. */
export const DEFAULT_SETTINGS: ClickHouseSettings = {
  // Accept any timestamp shape ClickHouse understands rather than failing a whole batch on one.
  date_time_input_format: 'best_effort',
  // Dynamic JSON paths have type Dynamic; without these, GROUP BY / ORDER BY on them is refused.
  allow_suspicious_types_in_group_by: 1,
  allow_suspicious_types_in_order_by: 1,
  // `_raw` arrives as a JSON object in each row and must be stored as its exact text.
  input_format_json_read_objects_as_strings: 1,
}

export function createClickHouse(cfg: Config['clickhouse'], dataDir: string): ClickHouseClient {
  if (cfg.url) {
    return createClient({
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
  // chDB binds one data directory per process; it needs an absolute, existing path.
  const path = resolve(join(dataDir, 'clickhouse'))
  mkdirSync(path, { recursive: true })
  // chdb types its Connection against @clickhouse/client-common 1.23.0 while @clickhouse/client
  // 1.23.1 bundles its own copy of those types; the shapes match at run time, only the nominal
  // ClickHouseSettings types differ.
  // Loaded here, not at the top: the native engine adds about 160 MB of RSS to every process that
  // imports it, and an ingest node or a ClickHouse-server set-up never uses it.
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection }
  const connection = createChdbConnection({ path })
  const client = createClient({ connection: connection as unknown as ClientConnection, clickhouse_settings: DEFAULT_SETTINGS })
  // Batches skip the client: chDB's raw insert takes their bytes as they are (embedded-insert.ts).
  registerRawInsert(client, (params) => connection.chdb.rawInsert(params))
  return client
}

/** A query's output in `format`, as it streams; aborting `signal` cancels the query in the engine. */
export type StreamQuery = (query: string, format: QueryFormat, signal: AbortSignal) => AsyncIterable<Uint8Array>

/** The output formats queries are read in: JSON answers, raw text for the gate's own questions. */
export type QueryFormat = 'JSON' | 'TabSeparatedRaw'

/** Where POST /query runs: a client, and embedded, chDB's own streaming query, which a signal can cancel. */
export interface QueryConnection {
  client: ClickHouseClient
  streamQuery?: StreamQuery
}

/**
 * A connection for POST /query, apart from the one ingest and the batcher use. On a server it logs
 * in as CLICKHOUSE_QUERY_USER when given (read grants only) and reads CLICKHOUSE_DATABASE by
 * default; embedded, it is a chDB session of its own on the same data directory: chDB runs one
 * query at a time per session and keeps SET for the session, so a query session never delays an
 * insert and the read-only lock set on it does not reach the batcher's session.
 */
export function createQueryClickHouse(cfg: Config['clickhouse'], dataDir: string): QueryConnection {
  if (cfg.url) {
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
  const path = resolve(join(dataDir, 'clickhouse'))
  mkdirSync(path, { recursive: true })
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection }
  const connection = createChdbConnection({ path })
  // No client-level settings: the connection would send them as SET before every query, which the
  // session refuses once it is read-only.
  const client = createClient({ connection: connection as unknown as ClientConnection })
  return {
    client,
    streamQuery: (query, format, signal) => {
      const blocks = chdbStream(connection.chdb, query, format, signal)
      return format === 'JSON' ? joinJsonDocuments(blocks) : blocks
    },
  }
}

/**
 * chDB's streaming query, for SELECTs (chDB streams nothing else): cancel() stops the engine at the end of the block it is computing (a
 * cancel at 1 s into a 2.3 s block ended at 2.3 s here), and the loop ends then, so whoever waits
 * on this stream waits until the engine is free again. A cancelled query may end without an error:
 * the caller checks its signal.
 */
async function* chdbStream(chdb: ReturnType<typeof CreateChdbConnection>['chdb'], query: string, format: QueryFormat, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  let stream: ReturnType<typeof chdb.queryStream> | undefined
  const cancel = () => stream?.cancel()
  signal.addEventListener('abort', cancel, { once: true })
  try {
    stream = chdb.queryStream(query, { format })
    for await (const chunk of stream) yield chunk.raw()
  } catch (error) {
    throw withCode(error)
  } finally {
    signal.removeEventListener('abort', cancel)
    if (stream !== undefined && !stream.closed) stream.cancel()
  }
}

/** The engine's error with its code as @clickhouse/client gives it (`code: '159'`), read from "Code: 159." in the message. */
function withCode(error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown }
  if (typeof e?.message !== 'string' || (typeof e.code === 'string' && /^\d+$/.test(e.code))) return error
  const code = /Code: (\d+)\./.exec(e.message)?.[1]
  return code === undefined ? error : Object.assign(new Error(e.message, { cause: error }), { code })
}

/** True when ClickHouse answers a query now (used by GET /ready). */
export async function pingClickHouse(client: ClickHouseClient): Promise<boolean> {
  try {
    return (await client.ping()).success
  } catch {
    return false
  }
}
