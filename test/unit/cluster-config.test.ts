// Cluster mode's configuration and its shard rule: every node's URL by shard, clear errors for what
// makes no sense, and messages spread evenly and always to the same shard.
import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import { ConfigError } from '../../src/errors'
import { shardOfKey } from '../../src/store/cluster-store'

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig(env)
    return ''
  } catch (error) {
    return error instanceof ConfigError ? error.message : String(error)
  }
}

describe('cluster configuration', () => {
  test('CLICKHOUSE_URL lists every node by shard, replicas of a shard joined with |', () => {
    const cfg = loadConfig({ CLICKHOUSE_CLUSTER: 'logs', CLICKHOUSE_URL: 'http://a:8123|http://b:8123, http://c:8123' }).clickhouse
    expect(cfg.cluster).toEqual({ name: 'logs', shards: [['http://a:8123', 'http://b:8123'], ['http://c:8123']], replicated: false })
    expect(cfg.url).toBe('http://a:8123')
  })
  test('several URLs without a cluster, a cluster without URLs, replication without a cluster, or a bad URL are each refused, saying why', () => {
    expect(problems({ CLICKHOUSE_URL: 'http://a:8123,http://b:8123' })).toContain('need CLICKHOUSE_CLUSTER')
    expect(problems({ CLICKHOUSE_CLUSTER: 'logs' })).toContain('needs CLICKHOUSE_URL')
    expect(problems({ CLICKHOUSE_URL: 'http://a:8123', CLICKHOUSE_REPLICATED: 'true' })).toContain('set CLICKHOUSE_CLUSTER')
    expect(problems({ CLICKHOUSE_CLUSTER: 'logs', CLICKHOUSE_URL: 'http://a:8123,ftp://b' })).toContain('http:// or https://')
  })
  test('one URL without a cluster stays a single server', () => {
    expect(loadConfig({ CLICKHOUSE_URL: 'http://a:8123' }).clickhouse.cluster).toBeUndefined()
  })
})

describe('the shard of a message', () => {
  test('is the same for the same key, every time', () => {
    for (const key of ['a', 'req-1-0', '0123456789abcdef0123456789abcdef-41']) expect(shardOfKey(key, 3)).toBe(shardOfKey(key, 3))
  })
  test('spreads event ids evenly over the shards', () => {
    for (const shards of [2, 3, 5]) {
      const counts = new Array<number>(shards).fill(0)
      for (let i = 0; i < 30_000; i++) counts[shardOfKey(`${crypto.randomUUID().replace(/-/g, '')}-${i % 97}`, shards)]!++
      for (const c of counts) expect(Math.abs(c - 30_000 / shards) / (30_000 / shards)).toBeLessThan(0.05)
    }
  })
})
