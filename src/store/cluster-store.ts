// A ClickHouse cluster of shards (CLICKHOUSE_CLUSTER, one HTTP URL per node in CLICKHOUSE_URL). Per
// dataset, a local table on every node in `<database>_local` and a Distributed table of the same
// name in `<database>`, so users read `sluice.<dataset>` in every mode. sluice creates and alters
// them on each node itself (IF NOT EXISTS), with or without Keeper and ON CLUSTER.
//
// Writes go to one shard's local table directly: the batcher sends each message to the shard
// shardOf() names from its content, the same on every attempt, so a redelivered message goes where
// its first attempt went and the landed check asks that shard alone. A shard that is down holds
// back only its own messages, which wait in JetStream until it returns.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../config'
import { DEFAULT_SETTINGS, REQUEST_TIMEOUT_MS } from './client-settings'
import type { QueryLimits } from './query-limits'
import { serverSessions } from './query-sessions'
import { serverQueryConnection } from './server-store'
import { ident, qualified, stringLiteral } from './sql-text'
import { sqlInsert } from './sql-insert'
import { DEDUP_WINDOW_BLOCKS, type TablePlace, type TableSpec } from './tables'
import type { InsertRowsRequest, Store } from './types'

export interface ClusterConfig {
  /** The cluster's name in the servers' remote_servers. */
  name: string
  /** The HTTP URL of every node, shard by shard (replicas of a shard together). */
  shards: string[][]
  /** Local tables are ReplicatedMergeTree, keyed by the {shard} and {replica} macros (needs Keeper). */
  replicated: boolean
}

interface Node {
  url: string
  shard: number
  client: ClickHouseClient
}

/** Where each dataset's rows live on a node: `<database>_local`. */
export const localDatabase = (database: string): string => `${database}_local`

/** FNV-1a over the key's UTF-16 units: cheap, stable across processes and versions, and even over keys. */
export function shardOfKey(key: string, shards: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % shards
}

export class ClusterStore implements Store {
  readonly where: string
  readonly shards: number
  readonly #nodes: Node[]
  readonly #byShard: Node[][]

  constructor(
    private readonly cfg: Config['clickhouse'],
    private readonly cluster: ClusterConfig,
  ) {
    this.shards = cluster.shards.length
    this.#byShard = cluster.shards.map((urls, shard) => urls.map((url) => ({ url, shard, client: nodeClient(cfg, url) })))
    this.#nodes = this.#byShard.flat()
    this.where = `cluster ${cluster.name}: ${cluster.shards.map((urls) => urls.join(' | ')).join(', ')}`
  }

  shardOf(key: string): number {
    return shardOfKey(key, this.shards)
  }

  shardTable(database: string, table: string): string {
    return qualified(localDatabase(database), table)
  }

  /**
   * The tables on the nodes of `shard`, which the write needs, then on every other node as far as
   * each answers (so any node can read the Distributed table), without waiting for one that is down.
   */
  async ensureTable(spec: TableSpec, shard: number): Promise<void> {
    await Promise.all(this.#byShard[shard]!.map((node) => this.#ensureOn(node, spec)))
    await Promise.all(this.#nodes.filter((n) => n.shard !== shard).map((node) => this.#ensureOn(node, spec).catch(() => undefined)))
  }

  async #ensureOn(node: Node, spec: TableSpec): Promise<void> {
    const run = (query: string) => node.client.command({ query }).then(() => undefined)
    const local = localDatabase(spec.database)
    await run(`CREATE DATABASE IF NOT EXISTS ${ident(spec.database)}`)
    await run(`CREATE DATABASE IF NOT EXISTS ${ident(local)}`)
    const place = this.#place(local, spec.table)
    await run(spec.create(place))
    // Best effort, as on a single server: a user without ALTER rights must not stop the dataset.
    for (const query of spec.upgrades?.(place.name) ?? []) await run(query).catch(() => undefined)
    await run(`CREATE TABLE IF NOT EXISTS ${qualified(spec.database, spec.table)} AS ${place.name} ENGINE = Distributed(${stringLiteral(this.cluster.name)}, ${stringLiteral(local)}, ${stringLiteral(spec.table)})`)
  }

  #place(database: string, table: string): TablePlace {
    if (!this.cluster.replicated) return { name: qualified(database, table), engine: 'MergeTree', dedup: `non_replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}, ` }
    const path = `/clickhouse/tables/{shard}/${database}/${table}`.replace(/'/g, '')
    return { name: qualified(database, table), engine: `ReplicatedMergeTree('${path}', '{replica}')`, dedup: '' }
  }

  /** Into the shard's local table, on the first of its replicas that takes it. */
  async insertRows(r: InsertRowsRequest): Promise<void> {
    const request = { ...r, database: localDatabase(r.database) }
    await this.#onShard(r.shard ?? 0, (node) => sqlInsert(node.client, request))
  }

  async queryRows<T extends unknown[]>(sql: string, params: Record<string, unknown> = {}, shard = 0): Promise<T[]> {
    return this.#onShard(shard, async (node) => (await node.client.query({ query: sql, query_params: params, format: 'JSONCompactEachRow' })).json<T>())
  }

  /** On every node; fails when any node fails (the statement is idempotent and is run again then). */
  async command(sql: string): Promise<void> {
    const results = await Promise.allSettled(this.#nodes.map((node) => node.client.command({ query: sql })))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  /** Queries read the Distributed tables through the first node (as the query user, when given); each call's sessions have a client of their own. */
  querySessions(database: string, limits: QueryLimits) {
    return serverSessions(serverQueryConnection({ ...this.cfg, url: this.#nodes[0]!.url, database }).client, limits)
  }

  /** Every shard has a node that answers. */
  async ping(): Promise<boolean> {
    const up = await Promise.all(this.#nodes.map((n) => n.client.ping().then((p) => p.success, () => false)))
    return this.#byShard.every((nodes) => nodes.some((n) => up[this.#nodes.indexOf(n)]))
  }

  async close(): Promise<void> {
    await Promise.all(this.#nodes.map((n) => n.client.close()))
  }

  async #onShard<T>(shard: number, work: (node: Node) => Promise<T>): Promise<T> {
    const nodes = this.#byShard[shard]
    if (!nodes) throw new Error(`no shard ${shard} in cluster ${this.cluster.name}`)
    let last: unknown
    for (const node of nodes) {
      try {
        return await work(node)
      } catch (err) {
        // A replica that does not answer: the next may. An answer (a refused row) is final.
        if ((err as { code?: unknown })?.code !== undefined && /^\d+$/.test(String((err as { code?: unknown }).code))) throw err
        last = err
      }
    }
    throw last
  }
}

function nodeClient(cfg: Config['clickhouse'], url: string): ClickHouseClient {
  return createClient({
    url,
    username: cfg.user,
    password: cfg.password,
    request_timeout: REQUEST_TIMEOUT_MS,
    keep_alive: { enabled: true },
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: { ...DEFAULT_SETTINGS, send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '20000' },
  })
}
