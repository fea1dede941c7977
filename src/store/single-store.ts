// What the two single-ClickHouse backends (a server, the embedded engine) share: one writer's
// client does DDL and reads, there is one shard, and a table is plain MergeTree under its own name.
import type { ClickHouseClient } from '@clickhouse/client'
import type { QueryLimits } from './query-limits'
import type { QuerySessions } from './query-sessions'
import { qualified } from './sql-text'
import { ensurePlainTable, type TableSpec } from './tables'
import type { InsertRowsRequest, Store } from './types'

export abstract class SingleStore implements Store {
  abstract readonly where: string
  /** The writer's client (inserts, DDL, the landed check); tests read through it too. */
  abstract readonly client: ClickHouseClient
  readonly shards = 1

  abstract insertRows(request: InsertRowsRequest): Promise<void>
  abstract querySessions(database: string, limits: QueryLimits): QuerySessions
  abstract close(): Promise<void>

  shardOf(): number {
    return 0
  }

  ensureTable(spec: TableSpec): Promise<void> {
    return ensurePlainTable((sql) => this.command(sql), spec)
  }

  shardTable(database: string, table: string): string {
    return qualified(database, table)
  }

  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql })
  }

  async queryRows<T extends unknown[]>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await this.client.query({ query: sql, query_params: params, format: 'JSONCompactEachRow' })).json<T>()
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping().catch(() => undefined))?.success === true
  }
}
