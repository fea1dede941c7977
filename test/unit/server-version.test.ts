// A ClickHouse server too old for sluice's inserts is refused at its first statement, with both
// versions named, before anything is written to it.
import { afterAll, describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import { ConfigError } from '../../src/errors'
import { MIN_SERVER_VERSION, olderThan, ServerStore } from '../../src/store/server-store'

/** Answers SELECT version() with `version` and every other statement with nothing; records the statements. */
function fakeServer(version: string) {
  const statements: string[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const sql = (new URL(request.url).searchParams.get('query') ?? '') + (await request.text())
      statements.push(sql)
      return new Response(sql.includes('version()') ? `[${JSON.stringify(version)}]\n` : '')
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, statements, stop: () => server.stop(true) }
}

const servers: ReturnType<typeof fakeServer>[] = []
const storeFor = (version: string) => {
  const fake = fakeServer(version)
  servers.push(fake)
  return { fake, store: new ServerStore({ ...loadConfig({}).clickhouse, url: fake.url }) }
}
afterAll(() => {
  for (const s of servers) s.stop()
})

describe('server version', () => {
  test('compares dotted versions by their numbers', () => {
    expect(MIN_SERVER_VERSION).toBe('25.8')
    expect(olderThan('24.8.14.10', '25.8')).toBe(true)
    expect(olderThan('25.7.9.1', '25.8')).toBe(true)
    expect(olderThan('25.8.1.1', '25.8')).toBe(false)
    expect(olderThan('25.10.2.1', '25.8')).toBe(false)
    expect(olderThan('26.7.2.1', '25.8')).toBe(false)
  })

  test('an older server: the first statement fails with a ConfigError naming both versions, and nothing reaches the server', async () => {
    const { fake, store } = storeFor('24.8.14.10')
    const error = await store.command('CREATE DATABASE IF NOT EXISTS sluice').catch((e) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain(`the server at ${fake.url} runs ClickHouse 24.8.14.10; sluice needs 25.8 or later`)
    await expect(store.insertRows({ database: 'sluice', table: 'logs', columns: ['_raw'], chunks: [new TextEncoder().encode('{"_raw":{}}\n')], settings: {} })).rejects.toBeInstanceOf(ConfigError)
    expect(fake.statements.every((s) => s.includes('version()'))).toBe(true)
    await store.close()
  })

  test('a supported server is asked once, then statements go through', async () => {
    const { fake, store } = storeFor('25.8.3.66')
    await store.command('CREATE DATABASE IF NOT EXISTS a')
    await store.command('CREATE DATABASE IF NOT EXISTS b')
    expect(fake.statements.filter((s) => s.includes('version()'))).toHaveLength(1)
    expect(fake.statements.filter((s) => s.startsWith('CREATE DATABASE'))).toHaveLength(2)
    await store.close()
  })
})
