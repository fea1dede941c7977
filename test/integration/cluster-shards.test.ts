// Cluster mode against two real ClickHouse servers forming a two-shard cluster: a careful client's
// events land exactly once across a shard SIGKILLed mid-load, a shard down for 30 s holds back only
// its own events while the other keeps landing, and /query reads the Distributed tables while the
// sandbox still refuses cluster(), remote() and the shard-local database.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { freePort } from '../../src/embedded/nats-server'
import { localDatabase } from '../../src/store/cluster-store'
import { startTestClickHouseServer, type TestClickHouseServer } from '../support/clickhouse-server'
import { PIPELINE_QUERY_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'
import { until } from '../support/wait'

const CLUSTER = 'sluice_test_shards'
/** How long the second test keeps a shard down while ingest goes on. */
const OUTAGE_MS = 30_000
let shards: TestClickHouseServer[] = []
let p: TestPipeline

beforeAll(async () => {
  const ports = await Promise.all([0, 1].map(async () => ({ httpPort: await freePort(), tcpPort: await freePort() })))
  const replicas = ports.map(({ tcpPort }) => `<shard><replica><host>127.0.0.1</host><port>${tcpPort}</port></replica></shard>`).join('')
  const config = `<remote_servers><${CLUSTER}>${replicas}</${CLUSTER}></remote_servers>`
  shards = await Promise.all(ports.map((port) => startTestClickHouseServer({ config, ...port })))
  p = await startTestPipeline({ CLICKHOUSE_CLUSTER: CLUSTER, CLICKHOUSE_URL: shards.map((s) => s.url).join(','), BATCH_ACK_WAIT_MS: '2000' })
}, 120_000)

afterAll(async () => {
  await p?.stop()
  await Promise.all(shards.map((s) => s.stop()))
})

/** Rows of `dataset` in one shard's local table. */
async function rowsOn(shard: TestClickHouseServer, dataset: string): Promise<number> {
  const text = await shard.query(`SELECT count() FROM ${localDatabase(p.config.clickhouse.database)}.\`${dataset}\``).catch(() => '0')
  return Number(text.trim())
}

/** Requests sent so far: each request of the run has its own body and Idempotency-Key. */
let requestNumber = 0

/** Sends `requests` requests of `events` events each, retrying every refusal with the same Idempotency-Key, as a careful client does. */
async function carefulLoad(dataset: string, requests: number, events: number, during?: (sent: number) => Promise<void>): Promise<number> {
  let answered = 0
  for (let n = 0; n < requests; n++) {
    const r = requestNumber++
    const body = JSON.stringify(Array.from({ length: events }, (_, i) => ({ message: `r${r} e${i}`, requestId: `${dataset}-${r}` })))
    for (let attempt = 0; ; attempt++) {
      const response = await p.send(dataset, body, { 'idempotency-key': `${dataset}-${r}` }).catch(() => ({ status: 0 }))
      if (response.status === 202) break
      if (attempt > 200) throw new Error(`request ${r} was never accepted`)
      await Bun.sleep(50)
    }
    answered += events
    await during?.(n)
  }
  return answered
}

async function landed(dataset: string): Promise<{ rows: number; ids: number }> {
  const [row] = await p.query(`SELECT count() AS rows, uniqExact(_id) AS ids FROM ${p.config.clickhouse.database}.\`${dataset}\``)
  return { rows: Number(row!.rows), ids: Number(row!.ids) }
}

describe('a two-shard cluster', () => {
  test('a shard SIGKILLed mid-load and restarted: every event answered 202 is stored once, and both shards hold rows', async () => {
    const batcher = p.sluice.batcher!
    let failedBefore = 0
    const accepted = await carefulLoad('sharded', 60, 20, async (r) => {
      if (r === 20) {
        failedBefore = batcher.stats().failedAttempts
        shards[1]!.kill()
      }
      // Restarted only once a write to the dead shard has failed: the fault is exercised, not raced.
      if (r === 35) {
        await until(() => batcher.stats().failedAttempts > failedBefore, 30_000, 'a write to the killed shard to fail')
        await shards[1]!.restart()
      }
    })
    await p.drained(120_000)
    const { rows, ids } = await landed('sharded')
    const perShard = await Promise.all(shards.map((s) => rowsOn(s, 'sharded')))
    console.log(`cluster kill: ${accepted} events answered 202, ${rows} found, ${rows - ids} duplicates, per shard ${perShard.join(' / ')}`)
    expect({ rows, ids }).toEqual({ rows: accepted, ids: accepted })
    expect(perShard[0]! + perShard[1]!).toBe(accepted)
    for (const n of perShard) expect(n).toBeGreaterThan(accepted / 4)
  }, 240_000)

  test(`a shard down for ${OUTAGE_MS / 1000} s: the other keeps landing, the held-back events land once when it returns`, async () => {
    const before = await Promise.all(shards.map((s) => rowsOn(s, 'outage')))
    shards[0]!.kill()
    const downAt = Date.now()
    let accepted = await carefulLoad('outage', 30, 10)
    // The live shard lands its part of what was sent during the outage.
    await until(async () => (await rowsOn(shards[1]!, 'outage')) > before[1]!, 30_000, 'the live shard to land events while the other is down')
    const duringOutage = await rowsOn(shards[1]!, 'outage')
    await Bun.sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)))
    accepted += await carefulLoad('outage', 5, 10)
    await shards[0]!.restart()
    await p.drained(120_000)
    const { rows, ids } = await landed('outage')
    const perShard = await Promise.all(shards.map((s) => rowsOn(s, 'outage')))
    console.log(`cluster outage: ${accepted} answered 202, ${rows} found, ${rows - ids} duplicates, live shard landed ${duringOutage} during the outage, per shard ${perShard.join(' / ')}`)
    expect(duringOutage).toBeGreaterThan(0)
    expect({ rows, ids }).toEqual({ rows: accepted, ids: accepted })
    expect(perShard[0]!).toBeGreaterThan(0)
  }, 240_000)

  test('/query reads the Distributed tables; cluster(), remote(), clusterAllReplicas() and the shard-local database stay refused', async () => {
    const ask = async (sql: string) => {
      const response = await fetch(`${p.sluice.url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': PIPELINE_QUERY_KEY } })
      return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>[]; error?: string } }
    }
    const db = p.config.clickhouse.database
    const read = await ask(`SELECT count() AS n FROM ${db}.sharded`)
    expect(read.status).toBe(200)
    expect(Number(read.body.data![0]!.n)).toBeGreaterThan(0)
    for (const sql of [
      `SELECT * FROM cluster('${CLUSTER}', ${localDatabase(db)}.sharded)`,
      `SELECT * FROM clusterAllReplicas('${CLUSTER}', system.one)`,
      `SELECT * FROM remote('${new URL(shards[0]!.url).host}', system.one)`,
      `SELECT count() FROM ${localDatabase(db)}.sharded`,
    ]) {
      const refused = await ask(sql)
      expect({ sql, status: refused.status }).toEqual({ sql, status: 403 })
    }
  })
})
