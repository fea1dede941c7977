// The environment as sluice reads it: one TypeBox schema, parsed once at start, every problem
// reported together. Nothing else in sluice reads process.env.
import { Type as T, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from './errors'
import { parseCorsOrigins, type CorsOrigins } from './cors-origins'
import { isMalformedDigestForm, keyDigestHex } from './key-digest'

const Int = (min: number, max: number, def: number, description: string) =>
  T.Integer({ minimum: min, maximum: max, default: def, description })

/** The limits every POST /query runs under (applied as engine settings by store/query-limits.ts). */
export interface QueryLimits {
  /** Wall time of one query. */
  timeoutMs: number
  maxRowsToRead: number
  maxBytesToRead: number
  maxResultRows: number
  maxResultBytes: number
  maxMemoryBytes: number
  /** Queries running at once on this node; more get 429. */
  maxConcurrent: number
  /**
   * The runtime's worker threads (UV_THREADPOOL_SIZE). Every embedded chDB call, inserts included,
   * holds one while it runs, so embedded queries may take all but one: a query never leaves the
   * batcher waiting for a thread.
   */
  workerThreads: number
}

/** The variables sluice understands, with defaults; names are the environment's own. */
export const Env = T.Object({
  PORT: Int(0, 65535, 3000, 'HTTP port of the ingest server'),
  HOST: T.String({ default: '0.0.0.0', minLength: 1, pattern: '^[A-Za-z0-9.:_-]+$', description: 'address the HTTP server binds: 0.0.0.0 (every interface), 127.0.0.1 (this machine only), or one address of this machine' }),
  API_KEYS: T.Optional(T.String({ description: 'comma-separated ingest keys (public: they send events and nothing else), each plain or as sha256:<hex>; unset: a key is generated and kept in DATA_DIR' })),
  QUERY_KEYS: T.Optional(T.String({ description: 'comma-separated query keys (secret: they open POST /query), each plain or as sha256:<hex>; unset: a key is generated and kept in DATA_DIR' })),
  NATS_URL: T.Optional(T.String({ minLength: 1, description: 'NATS server(s), comma-separated; unset: sluice starts a local nats-server' })),
  NATS_SERVER_BIN: T.Optional(T.String({ minLength: 1, description: 'path of the nats-server binary to start when NATS_URL is unset' })),
  NATS_STREAM: T.String({ default: 'SLUICE_EVENTS', pattern: '^[A-Za-z0-9_-]+$', description: 'JetStream stream name' }),
  NATS_STREAM_REPLICAS: Int(1, 5, 1, 'JetStream replicas of the stream (a cluster needs 3)'),
  NATS_STREAM_MAX_BYTES: T.Integer({ minimum: -1, default: -1, description: 'stream size cap in bytes, -1 unlimited; when full, ingest answers 503' }),
  NATS_STREAM_MAX_AGE_MS: T.Integer({ minimum: 0, default: 0, description: 'delete events not yet written after this long (0: keep them until written; a bound loses events answered 202 during a longer outage)' }),
  NATS_DUPLICATE_WINDOW_MS: T.Integer({ minimum: 1000, default: 10 * 60 * 1000, description: 'window in which a retried publish with the same Idempotency-Key is dropped' }),
  CLICKHOUSE_URL: T.Optional(T.String({ pattern: '^https?://', description: 'ClickHouse HTTP endpoint; with CLICKHOUSE_CLUSTER the HTTP URL of every node, comma-separated by shard, replicas of one shard joined by |; unset: embedded chDB in DATA_DIR' })),
  CLICKHOUSE_CLUSTER: T.Optional(T.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'a cluster in the servers\' remote_servers: sluice keeps a local table on every node and a Distributed table over them' })),
  CLICKHOUSE_REPLICATED: T.Boolean({ default: false, description: 'with CLICKHOUSE_CLUSTER: local tables are ReplicatedMergeTree with the {shard} and {replica} macros (needs Keeper)' }),
  CLICKHOUSE_USER: T.String({ default: 'default' }),
  CLICKHOUSE_PASSWORD: T.String({ default: '' }),
  CLICKHOUSE_QUERY_USER: T.Optional(T.String({ minLength: 1, description: 'ClickHouse server user for POST /query (read grants on the sluice database only); unset: CLICKHOUSE_USER' })),
  CLICKHOUSE_QUERY_PASSWORD: T.String({ default: '' }),
  QUERY_TIMEOUT_MS: Int(100, 3_600_000, 30_000, 'a query is stopped after this long'),
  QUERY_MAX_ROWS_TO_READ: Int(1, Number.MAX_SAFE_INTEGER, 1_000_000_000, 'a query may read at most this many rows'),
  QUERY_MAX_BYTES_TO_READ: Int(1, Number.MAX_SAFE_INTEGER, 10 * 1024 ** 3, 'a query may read at most this many bytes (uncompressed)'),
  QUERY_MAX_RESULT_ROWS: Int(1, 100_000_000, 500_000, 'a query may answer at most this many rows'),
  QUERY_MAX_RESULT_BYTES: Int(1024, 4 * 1024 ** 3, 32 * 1024 ** 2, 'a query may answer at most this many bytes (uncompressed, before JSON)'),
  QUERY_MAX_MEMORY_BYTES: Int(16 * 1024 ** 2, 1024 ** 4, 1024 ** 3, 'a query may use at most this much memory (on the embedded engine this also bounds an answer built before sluice reads it)'),
  QUERY_MAX_CONCURRENT: Int(1, 1000, 2, 'queries run at once on this node; more are answered 429 with Retry-After'),
  UV_THREADPOOL_SIZE: T.Optional(Int(1, 1024, 2, 'read by the runtime at start: its worker threads run every embedded ClickHouse call, so embedded queries may take all but one of them')),
  CLICKHOUSE_DATABASE: T.String({ default: 'sluice', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }),
  CLICKHOUSE_TTL_DAYS: Int(0, 36500, 0, 'drop rows older than this many days; 0 keeps them forever'),
  DATA_DIR: T.String({ default: './data', minLength: 1 }),
  ROLE: T.Union([T.Literal('all'), T.Literal('ingest'), T.Literal('batcher')], { default: 'all' }),
  BATCH_MAX_EVENTS: Int(1, 1_000_000, 100_000, 'flush a dataset batch at this many events'),
  BATCH_MAX_BYTES: Int(1024, 512 * 1024 * 1024, 32 * 1024 * 1024, 'flush a dataset batch at this many bytes of rows'),
  BATCH_FLUSH_INTERVAL_MS: Int(10, 600_000, 500, 'flush a non-empty batch after this long'),
  BATCH_ACK_WAIT_MS: Int(1000, 3_600_000, 10_000, 'redeliver an event this long after a batcher took it without confirming (a live batcher extends it while it works)'),
  BATCH_MAX_HELD_BYTES: T.Optional(T.Integer({ minimum: 1024 * 1024, maximum: 8 * 1024 * 1024 * 1024, description: 'bytes of queued messages one batcher holds in memory before it stops pulling; default 2 x BATCH_MAX_BYTES' })),
  INGEST_PROCESSES: Int(1, 16, 1, 'ROLE=ingest only: ingest processes sharing PORT (SO_REUSEPORT); Bun runs JavaScript on one core per process'),
  INGEST_MAX_INFLIGHT_BYTES: Int(16 * 1024 * 1024, 16 * 1024 * 1024 * 1024, 160 * 1024 * 1024, 'memory an ingest node may use for requests in flight; past it requests get 503 with Retry-After'),
  MAX_DATASETS: Int(1, 1_000_000, 1000, 'datasets (tables) one deployment may have; a new dataset past it is refused'),
  EVENT_MAX_PAST_DAYS: Int(0, 36500, 30, 'refuse events whose timestamp is more than this many days in the past (0: no limit)'),
  EVENT_MAX_FUTURE_DAYS: Int(0, 36500, 1, 'refuse events whose timestamp is more than this many days in the future (0: no limit)'),
  NATS_SYNC_INTERVAL: T.Optional(T.String({ pattern: '^(always|[0-9]+(ms|s|m|h))$', description: 'local nats-server only: how often JetStream fsyncs its store ("always", or a duration such as 10s); unset: the server default' })),
  SHUTDOWN_TIMEOUT_MS: Int(1000, 600_000, 30_000, 'one budget for the whole shutdown: draining requests, flushing the batcher, stopping NATS'),
  CONSOLE_ENABLED: T.Boolean({ default: true, description: 'serve the console (GET /): a browser page that reads stored events, opened with a query key' }),
  LOG_LEVEL: T.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => T.Literal(l)), { default: 'info' }),
  LOG_FORMAT: T.Union([T.Literal('auto'), T.Literal('json'), T.Literal('pretty')], { default: 'auto', description: 'auto: coloured lines when stdout is a terminal, JSON lines otherwise' }),
  CORS_ORIGINS: T.String({ default: '*', description: 'origins whose browser pages may POST events to /v1/<dataset>: *, none, or comma-separated scheme://host[:port]; /query never answers CORS' }),
})
export type Env = Static<typeof Env>

export type Role = Env['ROLE']

/** The resolved configuration the code uses, with units in the names. */
export interface Config {
  port: number
  /** The address the HTTP server binds (HOST). */
  host: string
  /** Ingest keys (public); empty means "generate one in dataDir". Plain, or `sha256:<hex>`. */
  apiKeys: string[]
  /** Query keys (secret); empty means "generate one in dataDir". Plain, or `sha256:<hex>`. */
  queryKeys: string[]
  /** Limits every POST /query runs under, which the SQL cannot lift. */
  query: QueryLimits
  dataDir: string
  role: Role
  logLevel: string
  /** Serve the console at GET / (it signs in with a query key). */
  consoleEnabled: boolean
  /** One budget shared by every shutdown step. */
  shutdownTimeoutMs: number
  /** auto: pretty when stdout is a terminal. */
  logFormat: Env['LOG_FORMAT']
  /** Origins allowed to send events from a browser (CORS on /v1 only); empty: none. */
  corsOrigins: CorsOrigins
  ingest: {
    /** Bytes of requests in flight on this node (bodies and encoded rows) before it answers 503. */
    maxInflightBytes: number
    /** Ingest processes on this port (INGEST_PROCESSES): this one starts the others. */
    processes: number
    /** This process is one of those others: it shares PORT with them (SLUICE_CHILD_PORT_SHARED). */
    portShared: boolean
    /** The process that started this one (SLUICE_CHILD_PARENT_PID), when it is one of those others. */
    parentPid?: number
    /** Datasets per deployment. */
    maxDatasets: number
    /** Accepted event time window around now; 0 disables a side. */
    maxPastDays: number
    maxFutureDays: number
  }
  nats: {
    /** Unset: start a local nats-server. */
    url?: string
    serverBin?: string
    stream: string
    replicas: number
    maxBytes: number
    maxAgeMs: number
    duplicateWindowMs: number
    /** Local nats-server only: JetStream sync_interval ('always' or a duration); unset: server default. */
    syncInterval?: string
  }
  clickhouse: {
    /** Unset: embedded chDB in `${dataDir}/clickhouse`. */
    url?: string
    user: string
    password: string
    database: string
    ttlDays: number
    /** ClickHouse server user and password for POST /query; unset user: the user above. */
    queryUser?: string
    queryPassword: string
    /** CLICKHOUSE_CLUSTER: the cluster, and every node's HTTP URL by shard (`url` is then the first). */
    cluster?: { name: string; shards: string[][]; replicated: boolean }
  }
  batch: {
    maxEvents: number
    maxBytes: number
    flushIntervalMs: number
    ackWaitMs: number
    /** Bytes of messages held (waiting and being written) before the batcher stops pulling. */
    maxHeldBytes: number
  }
}

/** TypeBox says "Expected union value" for a choice; name the choices instead. */
function explain(schema: { anyOf?: { const?: unknown }[] }, message: string): string {
  const choices = schema.anyOf?.map((s) => s.const).filter((c) => c !== undefined)
  return choices && choices.length > 0 ? `must be one of ${choices.join(', ')}` : message
}

/**
 * How sluice talks to the extra ingest processes it starts (INGEST_PROCESSES): not settings of the
 * user's, so not in Env, the documented environment. Each process that finds them is one of those.
 */
export const ChildEnv = T.Object({
  /** Listen on PORT beside the first process (SO_REUSEPORT). */
  SLUICE_CHILD_PORT_SHARED: T.Optional(T.Literal('true')),
  /** The process that started this one, which it outlives by no more than a second. */
  SLUICE_CHILD_PARENT_PID: T.Optional(T.Integer({ minimum: 2 })),
})
export type ChildEnv = Static<typeof ChildEnv>

/** The child environment for an extra ingest process started by process `parentPid`. */
export const childEnv = (parentPid: number): Record<keyof ChildEnv, string> => ({ SLUICE_CHILD_PORT_SHARED: 'true', SLUICE_CHILD_PARENT_PID: String(parentPid) })

/** Parses an environment (process.env by default) or throws ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(Env.properties)) {
    const value = source[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const env = Value.Convert(Env, Value.Default(Env, raw))
  const problems = [...Value.Errors(Env, env)].map((e) => `${e.path.slice(1) || 'environment'}=${JSON.stringify(source[e.path.slice(1)] ?? '')}: ${explain(e.schema as { anyOf?: { const?: unknown }[] }, e.message)}`)
  const e = env as Env
  const child = Value.Convert(ChildEnv, { SLUICE_CHILD_PORT_SHARED: source.SLUICE_CHILD_PORT_SHARED || undefined, SLUICE_CHILD_PARENT_PID: source.SLUICE_CHILD_PARENT_PID || undefined }) as ChildEnv
  if (!Value.Check(ChildEnv, child)) problems.push('SLUICE_CHILD_*: set by sluice for the processes it starts, and not valid here; unset them')
  // A batch can only fill if the batcher may hold it plus the largest message (1 MiB).
  const minHeldBytes = e.BATCH_MAX_BYTES + 1024 * 1024
  const maxHeldBytes = e.BATCH_MAX_HELD_BYTES ?? Math.max(2 * e.BATCH_MAX_BYTES, minHeldBytes)
  if (problems.length === 0 && maxHeldBytes < minHeldBytes) {
    problems.push(`BATCH_MAX_HELD_BYTES=${JSON.stringify(source.BATCH_MAX_HELD_BYTES)}: must be at least BATCH_MAX_BYTES + 1 MiB (${e.BATCH_MAX_BYTES + 1024 * 1024})`)
  }
  // A local nats-server is private to this process: an ingest node's events would wait there for a
  // batcher that can never reach them (answered 202, never stored), and a batcher would wait forever.
  // Several processes on one port: each must be a whole ingest node, and /query or the console must
  // never land on a process without the embedded engine (the kernel picks the process per connection).
  if (e.INGEST_PROCESSES > 1 && e.ROLE !== 'ingest') {
    problems.push(`INGEST_PROCESSES=${JSON.stringify(source.INGEST_PROCESSES)}: needs ROLE=ingest (with ROLE=${e.ROLE} run separate ROLE=ingest nodes beside it instead); the processes share PORT, and each must be able to answer every request it gets`)
  }
  if (problems.length === 0 && e.ROLE !== 'all' && e.NATS_URL === undefined) {
    problems.push(`ROLE=${JSON.stringify(e.ROLE)}: needs NATS_URL, the NATS that ingest and batcher nodes share; without it sluice starts a NATS of its own that no other node can reach (use ROLE=all for a single process)`)
  }
  const apiKeys = keyList(e.API_KEYS)
  const queryKeys = keyList(e.QUERY_KEYS)
  for (const [name, keys] of [['API_KEYS', apiKeys], ['QUERY_KEYS', queryKeys]] as const) {
    const bad = keys.filter(isMalformedDigestForm)
    if (bad.length > 0) problems.push(`${name}: a key given as sha256: must be followed by 64 hex digits (the SHA-256 of the key)`)
  }
  // A public ingest key that also opens /query would hand the stored data to every client.
  const ingestDigests = new Set(apiKeys.map(keyDigestHex))
  if (queryKeys.some((k) => ingestDigests.has(keyDigestHex(k)))) {
    problems.push('QUERY_KEYS: a key is also in API_KEYS; ingest keys are public, so a query key must be a different, secret key')
  }
  const shards = (e.CLICKHOUSE_URL ?? '').split(',').map((s) => s.split('|').map((u) => u.trim()).filter((u) => u.length > 0)).filter((s) => s.length > 0)
  if (shards.flat().some((u) => !/^https?:\/\/[^\s|,]+$/.test(u))) problems.push(`CLICKHOUSE_URL=${JSON.stringify(source.CLICKHOUSE_URL)}: every node is an http:// or https:// URL`)
  if (e.CLICKHOUSE_CLUSTER === undefined && shards.flat().length > 1) problems.push(`CLICKHOUSE_URL=${JSON.stringify(source.CLICKHOUSE_URL)}: several URLs need CLICKHOUSE_CLUSTER, the cluster they form`)
  if (e.CLICKHOUSE_CLUSTER !== undefined && shards.length === 0) problems.push('CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL, the HTTP URL of every node of the cluster')
  if (e.CLICKHOUSE_REPLICATED && e.CLICKHOUSE_CLUSTER === undefined) problems.push('CLICKHOUSE_REPLICATED: applies to a cluster; set CLICKHOUSE_CLUSTER too')
  const corsOrigins = parseCorsOrigins(e.CORS_ORIGINS ?? '*')
  if (typeof corsOrigins === 'object' && 'problem' in corsOrigins) problems.push(`CORS_ORIGINS=${JSON.stringify(source.CORS_ORIGINS)}: ${corsOrigins.problem}`)
  if (problems.length > 0) throw new ConfigError(problems)
  return {
    port: e.PORT,
    host: e.HOST,
    apiKeys,
    queryKeys,
    query: {
      timeoutMs: e.QUERY_TIMEOUT_MS,
      maxRowsToRead: e.QUERY_MAX_ROWS_TO_READ,
      maxBytesToRead: e.QUERY_MAX_BYTES_TO_READ,
      maxResultRows: e.QUERY_MAX_RESULT_ROWS,
      maxResultBytes: e.QUERY_MAX_RESULT_BYTES,
      maxMemoryBytes: e.QUERY_MAX_MEMORY_BYTES,
      maxConcurrent: e.QUERY_MAX_CONCURRENT,
      // Bun sizes the pool from UV_THREADPOOL_SIZE; measured on 2 cores, two long chDB queries held
      // it whole without it, so 2 is the assumption when it is unset.
      workerThreads: e.UV_THREADPOOL_SIZE ?? 2,
    },
    dataDir: e.DATA_DIR,
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    consoleEnabled: e.CONSOLE_ENABLED,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logFormat: e.LOG_FORMAT,
    corsOrigins: corsOrigins as CorsOrigins,
    ingest: {
      maxInflightBytes: e.INGEST_MAX_INFLIGHT_BYTES,
      processes: e.INGEST_PROCESSES,
      portShared: child.SLUICE_CHILD_PORT_SHARED === 'true',
      parentPid: child.SLUICE_CHILD_PARENT_PID,
      maxDatasets: e.MAX_DATASETS,
      maxPastDays: e.EVENT_MAX_PAST_DAYS,
      maxFutureDays: e.EVENT_MAX_FUTURE_DAYS,
    },
    nats: {
      url: e.NATS_URL,
      serverBin: e.NATS_SERVER_BIN,
      stream: e.NATS_STREAM,
      replicas: e.NATS_STREAM_REPLICAS,
      maxBytes: e.NATS_STREAM_MAX_BYTES,
      maxAgeMs: e.NATS_STREAM_MAX_AGE_MS,
      duplicateWindowMs: e.NATS_DUPLICATE_WINDOW_MS,
      syncInterval: e.NATS_SYNC_INTERVAL,
    },
    clickhouse: {
      url: shards[0]?.[0],
      ...(e.CLICKHOUSE_CLUSTER !== undefined ? { cluster: { name: e.CLICKHOUSE_CLUSTER, shards, replicated: e.CLICKHOUSE_REPLICATED } } : {}),
      user: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      ttlDays: e.CLICKHOUSE_TTL_DAYS,
      queryUser: e.CLICKHOUSE_QUERY_USER,
      queryPassword: e.CLICKHOUSE_QUERY_PASSWORD,
    },
    batch: {
      maxEvents: e.BATCH_MAX_EVENTS,
      maxBytes: e.BATCH_MAX_BYTES,
      flushIntervalMs: e.BATCH_FLUSH_INTERVAL_MS,
      ackWaitMs: e.BATCH_ACK_WAIT_MS,
      maxHeldBytes,
    },
  }
}

const keyList = (value: string | undefined): string[] => (value ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0)

/** Whether the environment gives `name` a value (a default would be used otherwise). */
export const isSet = (name: keyof Env, source: Record<string, string | undefined> = process.env): boolean => (source[name] ?? '') !== ''
