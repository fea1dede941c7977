// The server backend (CLICKHOUSE_URL) against a real ClickHouse server: what differs from the
// embedded engine in how queries are run and answered.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import { ServerStore } from '../../src/store/server-store'
import { startTestClickHouseServer, type TestClickHouseServer } from '../support/clickhouse-server'

let server: TestClickHouseServer
let store: ServerStore
const limits = loadConfig({}).query

beforeAll(async () => {
  server = await startTestClickHouseServer()
  store = new ServerStore({ ...loadConfig({}).clickhouse, url: server.url })
  for (const db of ['first_db', 'second_db']) {
    await store.command(`CREATE DATABASE ${db}`)
    await store.command(`CREATE TABLE ${db}.t (s String) ENGINE = MergeTree ORDER BY s`)
    await store.command(`INSERT INTO ${db}.t VALUES ('${db}')`)
  }
}, 60_000)
afterAll(async () => {
  await store?.close()
  await server?.stop()
})

async function read(sessions: ReturnType<ServerStore['querySessions']>, sql: string): Promise<string> {
  const slot = (await sessions.acquire())!
  try {
    let text = ''
    for await (const chunk of await slot.stream(sql, 'TabSeparatedRaw', new AbortController().signal)) text += Buffer.from(chunk).toString()
    return text.trim()
  } finally {
    sessions.release(slot, false)
  }
}

describe('query sessions on a server', () => {
  test('each reads its own database by default, and closing one leaves the others working', async () => {
    const first = store.querySessions('first_db', limits)
    const second = store.querySessions('second_db', limits)
    expect(await read(first, 'SELECT s FROM t')).toBe('first_db')
    expect(await read(second, 'SELECT s FROM t')).toBe('second_db')
    await first.close()
    expect(await read(second, 'SELECT s FROM t')).toBe('second_db')
    const again = store.querySessions('first_db', limits)
    expect(await read(again, 'SELECT s FROM t')).toBe('first_db')
    await Promise.all([second.close(), again.close()])
  })

  test('a limit crossed after the answer began is the server error, with its code, not a cut connection', async () => {
    // 4 MB: the server has sent its first megabyte of the answer (with 200) before the limit is crossed.
    const sessions = store.querySessions('first_db', { ...limits, maxResultBytes: 4 * 1024 * 1024 })
    const error = await read(sessions, 'SELECT repeat(toString(number), 20) FROM numbers(200000)').catch((e) => e)
    expect(error).toMatchObject({ code: '396', type: 'TOO_MANY_ROWS_OR_BYTES' })
    await sessions.close()
  })
})
