// Cluster mode: end-to-end events per second (first POST to last row queryable) of a sluice writing
// to a two-shard cluster, against the same sluice writing to one ClickHouse server, in the same
// run. All servers are the engine chdb ships (test/support/clickhouse-server.ts), on this machine:
// on two cores both shards share the CPUs with sluice and the load, so the ratio says what sharding
// costs here, not what a cluster of machines gains.
//   bun bench/cluster.bench.ts
import { MAX_BODY_BYTES } from '../src/ingest/limits'
import { startTestClickHouseServer, type TestClickHouseServer } from '../test/support/clickhouse-server'
import { freePort } from '../src/embedded/nats-server'
import { benchOptions, figure, step } from './lib/figures'
import { makeLogEvents } from './fixtures'
import { answered, bodyFile, expectOnly, ingestHeaders, load } from './lib/load'
import { startSluice } from './lib/processes'
import { untilRows } from './lib/rows'

const { quick } = benchOptions()
const requests = quick ? 6 : 16
const body = makeLogEvents(MAX_BODY_BYTES - 64 * 1024)
const eventsPerBody = (JSON.parse(new TextDecoder().decode(body)) as unknown[]).length
const file = bodyFile('log-6mb.json', body)

/** Events per second from the first POST to the last row queryable, for a sluice with this ClickHouse. */
async function endToEnd(name: string, env: Record<string, string>): Promise<{ eps: number; events: number }> {
  const sluice = await startSluice({ env: { ROLE: 'all', ...env } })
  await sluice.ready()
  step(`${name}: 4 clients, ${requests} bodies of 6 MB`)
  const report = await load({ url: `${sluice.url}/v1/cluster_bench`, bodyFile: file, headers: ingestHeaders(), concurrency: 4, requests })
  expectOnly(report)
  const events = answered(report) * eventsPerBody
  const queryableAt = await untilRows(sluice, 'cluster_bench', events, 240_000, 200)
  await sluice.stop()
  return { eps: events / ((queryableAt - report.startMs) / 1000), events }
}

step('starting one ClickHouse server, and two as a two-shard cluster')
const ports = await Promise.all([0, 1].map(async () => ({ httpPort: await freePort(), tcpPort: await freePort() })))
const shardsXml = ports.map(({ tcpPort }) => `<shard><replica><host>127.0.0.1</host><port>${tcpPort}</port></replica></shard>`).join('')
const config = `<remote_servers><bench>${shardsXml}</bench></remote_servers>`
const servers: TestClickHouseServer[] = await Promise.all([startTestClickHouseServer(), ...ports.map((p) => startTestClickHouseServer({ config, ...p }))])
const [single, ...shards] = servers as [TestClickHouseServer, ...TestClickHouseServer[]]

const one = await endToEnd('one server', { CLICKHOUSE_URL: single.url })
const two = await endToEnd('two shards', { CLICKHOUSE_CLUSTER: 'bench', CLICKHOUSE_URL: shards.map((s) => s.url).join(',') })
const perShard = await Promise.all(shards.map(async (s) => Number((await s.query('SELECT count() FROM sluice_local.cluster_bench')).trim())))
await Promise.all(servers.map((s) => s.stop()))

figure({
  id: 'cluster.eps',
  bench: 'cluster',
  name: 'two-shard cluster, 4 clients of 6 MB: first POST to last row queryable',
  value: two.eps,
  unit: 'events/s',
  better: 'higher',
  baseline: { name: 'the same sluice writing to one ClickHouse server, same run', value: one.eps },
  detail: { events: two.events, rowsShard1: perShard[0] ?? 0, rowsShard2: perShard[1] ?? 0, oneServerEvents: one.events },
})
process.exit(0)
