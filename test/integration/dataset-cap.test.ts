// MAX_DATASETS: the datasets of a deployment are counted across every ingest node (a JetStream
// KV bucket they share); a new one past the cap is a clear 400, existing ones keep working.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestNats, type TestNats } from '../support/nats'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'

let nats: TestNats
const nodes: TestPipeline[] = []
beforeAll(async () => {
  nats = await startTestNats()
})
afterAll(async () => {
  for (const node of nodes) await node.stop()
  await nats?.stop()
})

const ingestNode = async () => {
  const node = await startTestPipeline({ ROLE: 'ingest', MAX_DATASETS: '3' }, nats)
  nodes.push(node)
  return node
}

describe('dataset cap', () => {
  test('past MAX_DATASETS a new dataset is refused with 400 on every node; known datasets still take events', async () => {
    const [a, b] = [await ingestNode(), await ingestNode()]
    expect((await a.send('cap_one', '[{}]')).status).toBe(202)
    expect((await b.send('cap_two', '[{}]')).status).toBe(202)
    expect((await a.send('cap_three', '[{}]')).status).toBe(202)
    // Concurrent first requests for one name on one node register it once.
    expect((await Promise.all([b.send('cap_one', '[{}]'), a.send('cap_two', '[{}]')])).map((r) => r.status)).toEqual([202, 202])

    for (const node of [a, b]) {
      const refused = await node.send('cap_four', '[{"a":1}]')
      expect(refused.status).toBe(400)
      expect(refused.body.message).toBe('Bad Request')
      expect(refused.body.error).toContain('maximum of 3 datasets')
    }
    // A node started later knows the three from the shared bucket.
    const c = await ingestNode()
    expect((await c.send('cap_three', '[{}]')).status).toBe(202)
    expect((await c.send('cap_five', '[{}]')).status).toBe(400)
  }, 30_000)

  test('a burst of new names on one node passes the cap by none', async () => {
    // Its own nats-server (through startTestPipeline), so the first test's datasets do not count.
    const node = await startTestPipeline({ ROLE: 'ingest', MAX_DATASETS: '5' })
    nodes.push(node)
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => node.send(`burst_${i}`, '[{}]')))
    expect(answers.filter((a) => a.status === 202)).toHaveLength(5)
    expect(answers.filter((a) => a.status === 400)).toHaveLength(15)
  }, 30_000)
})
