// sluice on a three-node NATS cluster (replicas 3): nodes that start while the cluster is still
// electing its leader, and beside each other, wait for it; losing one NATS node under load loses
// and doubles nothing.
import { connectNats, streamDrained } from '../support/nats'
import { afterAll, describe, expect, test } from 'bun:test'
import pino from 'pino'
import { loadConfig } from '../../src/config'
import { QueueUnavailableError } from '../../src/errors'
import { ensureStreamWithRetry } from '../../src/queue/stream'
import { landed, settle, startLoad, waitForProgress } from '../support/load'
import { startTestCluster, type TestCluster } from '../support/nats-cluster'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let cluster: TestCluster | undefined
const pipelines: TestPipeline[] = []
afterAll(async () => {
  for (const p of pipelines) await p.stop().catch(() => {})
  await cluster?.stop()
})

describe('three-node NATS cluster', () => {
  test('two sluice nodes started at the same moment as a fresh cluster both run; a NATS node killed mid-load and restarted: every 202 lands exactly once', async () => {
    cluster = await startTestCluster(3)
    const nats = cluster.asTestNats()
    const env = { NATS_STREAM_REPLICAS: '3', NATS_STREAM: 'SLUICE_CLUSTER' }
    // At once, while the cluster is still electing its meta leader: both wait for it.
    const began = Date.now()
    const [all, ingest] = await Promise.all([startTestPipeline({ ...env, ROLE: 'all' }, nats), startTestPipeline({ ...env, ROLE: 'ingest' }, nats)])
    pipelines.push(all, ingest)
    console.log(`two nodes up on a fresh 3-node cluster in ${Date.now() - began} ms`)
    const info = await (await all.sluice.nats.jetstreamManager()).streams.info('SLUICE_CLUSTER')
    expect(info.config.num_replicas).toBe(3)

    const load = startLoad({ urls: [all.sluice.url, ingest.sluice.url], key: PIPELINE_KEY, dataset: 'cluster' })
    await waitForProgress(load, 30)
    // The node the batcher's connection is on: its clients must move to the others and come back.
    const victim = cluster.nodes.find((n) => all.sluice.nats.getServer().endsWith(`:${n.port}`)) ?? cluster.nodes[1]!
    victim.kill()
    await waitForProgress(load, 30)
    await victim.restart()
    await waitForProgress(load, 30)
    const report = await load.finish(30_000)
    const final = await settle(() => landed(all.query, all.clickhouse.database, 'cluster'), report.accepted, 45_000, () => streamDrained(all.sluice.nats, 'SLUICE_CLUSTER'))
    console.log(`NATS node killed in a cluster: ${report.requests} requests, ${report.accepted + report.refused} events sent, ${report.accepted} answered 202, ${final.rows} rows found, ${final.rows - final.ids} duplicates, ${report.retries} retries`)
    expect(report.unresolved).toBe(0)
    expect(final).toEqual({ rows: report.accepted, ids: report.accepted, eids: report.accepted, refusedRows: 0 })
  }, 120_000)
})

/** A logger that keeps its lines, to see what an operator would see. */
function capturingLogger() {
  const lines: { level: number; msg: string; attempt?: number; retryInMs?: number }[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { logger, lines }
}

describe('stream creation while the cluster cannot take it yet', () => {
  test('waits with growing pauses, logging each, and gives up with a clear error at its bound', async () => {
    // One node of a three-node cluster whose peers never come: replicas 3 can never be placed.
    const lonely = await startTestCluster(1)
    try {
      const { logger, lines } = capturingLogger()
      const nc = await connectNats(lonely.url, logger)
      const cfg = { ...loadConfig({}).nats, stream: 'NEVER', replicas: 3 }
      const began = Date.now()
      const error = await ensureStreamWithRetry(nc, cfg, logger, { timeoutMs: 3000, attemptTimeoutMs: 500, firstDelayMs: 200, maxDelayMs: 800 }).catch((e) => e)
      const tookMs = Date.now() - began
      await nc.close()
      expect(error).toBeInstanceOf(QueueUnavailableError)
      expect(String(error.message)).toContain('cannot create or update the JetStream stream NEVER')
      expect(tookMs).toBeGreaterThanOrEqual(3000)
      expect(tookMs).toBeLessThan(4500)
      const retries = lines.filter((l) => l.msg.includes('retrying'))
      expect(retries.length).toBeGreaterThanOrEqual(2)
      expect(retries[1]!.retryInMs!).toBeGreaterThan(retries[0]!.retryInMs!)
    } finally {
      await lonely.stop()
    }
  }, 30_000)
})
