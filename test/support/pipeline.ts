// Runs a whole sluice (HTTP, JetStream, batcher, ClickHouse) in the test process against a real
// nats-server and the shared test ClickHouse, and helps tests wait for rows to land.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type Config } from '../../src/config'
import { quietLogger } from '../../src/log'
import { startSluice, type RunningSluice } from '../../src/sluice'
import { testClickHouse, type TestClickHouse } from './clickhouse'
import { startTestNats, streamDrained, type TestNats } from './nats'
import { until } from './wait'

export const PIPELINE_KEY = 'pipeline-test-key'
/** The query key (secret); PIPELINE_KEY is an ingest key and cannot query. */
export const PIPELINE_QUERY_KEY = 'pipeline-test-query-key'

export interface TestPipeline {
  sluice: RunningSluice
  nats: TestNats
  clickhouse: TestClickHouse
  config: Config
  /** POST /v1/<dataset> with the test key. */
  send(dataset: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>
  /** POST /query with the test query key; returns the rows. */
  query(sql: string): Promise<Record<string, any>[]>
  /** Waits until `SELECT count() FROM <db>.<table>` reaches `count` (or the timeout passes) and returns the last count. */
  waitForCount(table: string, count: number, timeoutMs?: number): Promise<number>
  /**
   * Waits until the stream is drained: every event published so far is written (or dead-lettered)
   * and acknowledged, so nothing more lands unless more is sent.
   */
  drained(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * env: extra variables (as sluice reads them). nats: share a server between pipelines.
 * With CLICKHOUSE_URL in env the pipeline uses that ClickHouse instead of the shared test engine.
 */
export async function startTestPipeline(env: Record<string, string> = {}, nats?: TestNats): Promise<TestPipeline> {
  const natsServer = nats ?? (await startTestNats())
  const clickhouse = testClickHouse()
  const base = loadConfig({
    NATS_URL: natsServer.url,
    PORT: '0',
    API_KEYS: PIPELINE_KEY,
    QUERY_KEYS: PIPELINE_QUERY_KEY,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'sluice-pipeline-')),
    BATCH_FLUSH_INTERVAL_MS: '100',
    BATCH_ACK_WAIT_MS: '3000',
    ...env,
  })
  const ownClickHouse = env.CLICKHOUSE_URL !== undefined
  const config: Config = ownClickHouse ? { ...base, clickhouse: { ...base.clickhouse, database: clickhouse.database } } : { ...base, clickhouse: { ...clickhouse.config, ttlDays: base.clickhouse.ttlDays } }
  const sluice = await startSluice(config, { store: ownClickHouse ? undefined : clickhouse.store, logger: quietLogger })
  const db = clickhouse.database

  const query = async (sql: string) => {
    let response = await fetch(`${sluice.url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
    // Busy (429): every query slot is taken; retry as Retry-After says, a little sooner.
    for (let i = 0; response.status === 429 && i < 300; i++) {
      await response.arrayBuffer()
      await Bun.sleep(100)
      response = await fetch(`${sluice.url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
    }
    const body = (await response.json()) as { data?: Record<string, any>[]; error?: string }
    if (!response.ok) throw new Error(`query failed with ${response.status}: ${body.error}`)
    return body.data!
  }
  const countOf = async (table: string) => {
    try {
      return Number((await query(`SELECT count() AS n FROM ${db}.\`${table}\``))[0]!.n)
    } catch (error) {
      if (String(error).includes('UNKNOWN_TABLE') || String(error).includes('does not exist')) return 0
      throw error
    }
  }
  return {
    sluice,
    nats: natsServer,
    clickhouse,
    config,
    async send(dataset, body, headers = {}) {
      const response = await fetch(`${sluice.url}/v1/${dataset}`, { method: 'POST', body, headers: { 'x-api-key': PIPELINE_KEY, 'content-type': 'application/json', ...headers } })
      return { status: response.status, body: await response.json(), headers: response.headers }
    },
    query,
    async waitForCount(table, count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      let n = await countOf(table)
      while (n < count && Date.now() < deadline) {
        await Bun.sleep(50)
        n = await countOf(table)
      }
      return n
    },
    drained: (timeoutMs = 20_000) => until(() => streamDrained(sluice.nats, config.nats.stream).catch(() => false), timeoutMs, `the stream ${config.nats.stream} to drain`),
    async stop() {
      await sluice.stop()
      if (!nats) await natsServer.stop()
    },
  }
}
