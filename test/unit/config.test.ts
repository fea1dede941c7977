import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import { ConfigError } from '../../src/errors'

describe('configuration', () => {
  test('an empty environment gives the documented defaults', () => {
    const c = loadConfig({})
    expect(c.port).toBe(3000)
    expect(c.apiKeys).toEqual([])
    expect(c.nats.url).toBeUndefined()
    expect(c.clickhouse).toMatchObject({ url: undefined, database: 'sluice', user: 'default' })
    expect(c.dataDir).toBe('./data')
    expect(c.role).toBe('all')
  })

  test('reads every variable', () => {
    const c = loadConfig({ PORT: '8080', API_KEYS: ' a, b ,,c', NATS_URL: 'nats://n:4222', CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_DATABASE: 'events', DATA_DIR: '/var/lib/sluice', ROLE: 'batcher', BATCH_MAX_EVENTS: '10' })
    expect(c).toMatchObject({ port: 8080, apiKeys: ['a', 'b', 'c'], role: 'batcher', dataDir: '/var/lib/sluice', batch: { maxEvents: 10 } })
    expect(c.nats.url).toBe('nats://n:4222')
    expect(c.clickhouse).toMatchObject({ url: 'http://ch:8123', user: 'u', password: 'p', database: 'events' })
  })

  test('lists every bad value at once, naming the variable', () => {
    try {
      loadConfig({ PORT: 'eighty', ROLE: 'both', CLICKHOUSE_URL: 'ch:8123', CLICKHOUSE_DATABASE: 'bad name' })
      throw new Error('accepted')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const message = (error as Error).message
      for (const name of ['PORT="eighty"', 'ROLE="both"', 'CLICKHOUSE_URL="ch:8123"', 'CLICKHOUSE_DATABASE="bad name"']) expect(message).toContain(name)
      expect(message).toContain('all, ingest, batcher')
    }
  })

  test('refuses ROLE=ingest or batcher without a shared NATS_URL: their events would be stranded in a private nats-server', () => {
    for (const role of ['ingest', 'batcher'] as const) {
      expect(() => loadConfig({ ROLE: role })).toThrow(`ROLE="${role}": needs NATS_URL`)
      expect(loadConfig({ ROLE: role, NATS_URL: 'nats://n:4222' }).role).toBe(role)
    }
  })
})
