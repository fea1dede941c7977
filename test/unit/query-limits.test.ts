// The limits as settings, and the answer a client gets when a query hits one.
import { describe, expect, test } from 'bun:test'
import type { ClickHouseClient } from '@clickhouse/client'
import { loadConfig } from '../../src/config'
import { limitHit } from '../../src/query/limits'
import { limitSettings } from '../../src/store/query-limits'
import { serverSessions } from '../../src/store/query-sessions'

const limits = loadConfig({}).query

describe('query limits as settings', () => {
  test('readonly=1 comes last: once set, the session refuses every later change', () => {
    const settings = limitSettings(limits)
    expect(settings.at(-1)).toEqual(['readonly', 1])
    expect(Object.fromEntries(settings)).toMatchObject({
      max_execution_time: 30,
      max_rows_to_read: 1_000_000_000,
      max_bytes_to_read: 10 * 1024 ** 3,
      max_result_rows: 500_000,
      max_result_bytes: 32 * 1024 ** 2,
      result_overflow_mode: 'throw',
      max_memory_usage: 1024 ** 3,
      max_block_size: 8192,
    })
  })
  test('on a server every request carries the limits, readonly=1 and cancel-on-disconnect', async () => {
    const sent: { clickhouse_settings?: Record<string, unknown>; abort_signal?: AbortSignal }[] = []
    const client = { exec: async (params: (typeof sent)[number]) => (sent.push(params), { stream: (async function* () {})() }) } as unknown as ClickHouseClient
    const sessions = serverSessions(client, limits)
    const slot = (await sessions.acquire())!
    const signal = new AbortController().signal
    await slot.stream('SELECT 1', 'JSON', signal)
    expect(sent[0]!.clickhouse_settings).toMatchObject({ readonly: '1', max_execution_time: '30', max_result_rows: '500000', cancel_http_readonly_queries_on_client_close: 1, default_format: 'JSON' })
    expect(sent[0]!.abort_signal).toBe(signal)
    expect(await sessions.acquire()).toBeDefined()
    expect(await sessions.acquire()).toBeUndefined()
    sessions.release(slot, false)
    expect(await sessions.acquire()).toBeDefined()
  })
})

describe('a limit hit, in one sentence', () => {
  test.each([
    ['159', 'Timeout exceeded: elapsed 30.1 s', 'QUERY_TIMEOUT_MS=30000'],
    ['158', "Limit for rows (controlled by 'max_rows_to_read' setting) exceeded", 'QUERY_MAX_ROWS_TO_READ=1000000000'],
    ['307', "Limit for (uncompressed) bytes to read exceeded", 'QUERY_MAX_BYTES_TO_READ'],
    ['396', 'Limit for result exceeded, max rows: 500.00 thousand, current rows: 1.00 million', 'QUERY_MAX_RESULT_ROWS=500000'],
    ['396', 'Limit for result exceeded, max bytes: 32.00 MiB, current bytes: 40.00 MiB', 'QUERY_MAX_RESULT_BYTES'],
    ['241', 'Memory limit (for query) exceeded', 'QUERY_MAX_MEMORY_BYTES'],
  ])('code %s names its variable', (code, message, variable) => {
    expect(limitHit(code, message, limits)).toContain(variable)
  })
  test('other errors are not limits', () => expect(limitHit('62', 'Syntax error', limits)).toBeUndefined())
})
