// Test harness: a NATS cluster on loopback (routes between every node, JetStream on each with its
// own store), as DESIGN.md describes for Debian's nats-server 2.9. Nodes are not supervised: the
// test kills and restarts them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findNatsServer, freePort, startNatsServer, type NatsServerHandle } from '../../src/embedded/nats-server'
import { quietLogger } from '../../src/log'
import type { TestNats } from './nats'

export interface TestCluster {
  nodes: NatsServerHandle[]
  /** Every node's client URL, comma-separated (as NATS_URL takes them). */
  url: string
  /** The cluster as a TestNats, for startTestPipeline (its stop/restart/kill act on the whole cluster). */
  asTestNats(): TestNats
  stop(): Promise<void>
}

const silent = quietLogger.child({}, { level: 'fatal' })

export async function startTestCluster(size = 3): Promise<TestCluster> {
  const bin = findNatsServer(process.env.NATS_SERVER_BIN)
  const clientPorts: number[] = []
  const routePorts: number[] = []
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort())
    routePorts.push(await freePort())
  }
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',')
  const dirs = clientPorts.map(() => mkdtempSync(join(tmpdir(), 'sluice-cluster-')))
  const cleanup = () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true }))
  const started = await Promise.allSettled(
    clientPorts.map((port, i) =>
      startNatsServer({
        bin,
        storeDir: dirs[i]!,
        port,
        logger: silent, // nodes log every refused route while the others start
        supervise: false,
        extraArgs: ['-n', `sluice-test-${i}`, '--cluster_name', 'sluice-test', '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes],
      }),
    ),
  )
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()))
    cleanup()
    throw (failed as PromiseRejectedResult).reason
  }
  const url = nodes.map((n) => n.url).join(',')
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    cleanup()
  }
  return {
    nodes,
    url,
    stop,
    asTestNats: () => ({
      url,
      port: nodes[0]!.port,
      storeDir: dirs[0]!,
      get pid() {
        return nodes[0]!.pid
      },
      stop,
      restart: async () => void (await Promise.all(nodes.map((n) => n.restart()))),
      kill: () => nodes.forEach((n) => n.kill()),
    }),
  }
}
