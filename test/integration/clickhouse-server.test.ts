// The test ClickHouse server (test/support/clickhouse-server.ts) keeps its promises: the real
// server protocol on its own ports and data, a crash and a restart that keep the data, extra
// configuration, a stop that removes everything, and no server left behind by a dead test process.
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { startTestClickHouseServer, type TestClickHouseServer } from '../support/clickhouse-server'
import { alive } from '../support/processes'
import { until } from '../support/wait'

const servers: TestClickHouseServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

describe('test ClickHouse server', () => {
  test('answers over HTTP and the native protocol; SIGKILL and restart keep its tables, ports and URL', async () => {
    const s = await startTestClickHouseServer()
    servers.push(s)
    expect((await s.query('SELECT version()')).trim()).toMatch(/^\d+\.\d+\./)
    expect((await s.query(`SELECT count() FROM remote('127.0.0.1:${s.tcpPort}', system.one)`)).trim()).toBe('1')
    await s.query('CREATE DATABASE kept')
    await s.query('CREATE TABLE kept.t (n UInt64) ENGINE = MergeTree ORDER BY n')
    await s.query('INSERT INTO kept.t SELECT number FROM numbers(1000)')
    const { url, pid } = s
    s.kill()
    await until(() => !alive(pid), 5000, 'the killed server to go')
    expect(s.pid).toBeUndefined()
    await s.restart()
    expect(s.url).toBe(url)
    expect(s.pid).not.toBe(pid)
    expect((await s.query('SELECT count() FROM kept.t')).trim()).toBe('1000')
    await s.restart() // graceful this time
    expect((await s.query('SELECT sum(n) FROM kept.t')).trim()).toBe('499500')
  }, 60_000)

  test('takes extra configuration, and stop() ends the process and removes its data', async () => {
    const s = await startTestClickHouseServer({ config: '<remote_servers><pair><shard><replica><host>127.0.0.1</host><port>9000</port></replica></shard></pair></remote_servers>' })
    expect((await s.query("SELECT count() FROM system.clusters WHERE cluster = 'pair'")).trim()).toBe('1')
    const pid = s.pid
    await s.stop()
    expect(alive(pid)).toBe(false)
    expect(existsSync(s.path)).toBe(false)
    expect(await s.query('SELECT 1').catch(() => 'refused')).toBe('refused')
  }, 60_000)

  test('a server outlives no test process, even one that is SIGKILLed', async () => {
    const script = `
      import { startTestClickHouseServer } from ${JSON.stringify(`${import.meta.dir}/../support/clickhouse-server`)}
      const s = await startTestClickHouseServer()
      console.log(s.pid)
      await Bun.sleep(60_000)`
    const parent = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'inherit' })
    const reader = parent.stdout.getReader()
    const { value } = await reader.read()
    const pid = Number(new TextDecoder().decode(value).trim())
    expect(alive(pid)).toBe(true)
    parent.kill('SIGKILL')
    await until(() => !alive(pid), 5000, 'the server of a SIGKILLed test process to go')
  }, 60_000)
})
