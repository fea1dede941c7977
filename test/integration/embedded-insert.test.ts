// Batches on the embedded engine go through chDB's raw insert (their bytes as they are), and land
// exactly as they do through @clickhouse/client's path, which names chDB cannot take still use.
import { describe, expect, test } from 'bun:test'
import { StoreUnavailableError } from '../../src/errors'
import type { EmbeddedStore } from '../../src/store/embedded-store'
import { RowWriter } from '../../src/sink/row-writer'
import { TableManager } from '../../src/sink/tables'
import { testClickHouse } from '../support/clickhouse'

const ch = testClickHouse()
const db = ch.database
const writer = new RowWriter(ch.store, new TableManager(ch.store, ch.config))
const enc = new TextEncoder()
const embedded = ch.config.url === undefined
const insertsRaw = (database: string, table: string) => (ch.store as EmbeddedStore).insertsRaw(database, table)

const row = (id: string, raw: string, ts: number | string = 1764000000123) =>
  `{"_timestamp":${ts},"_service":"api","_namespace":"ns","_id":${JSON.stringify(id)},"_raw":${raw}}\n`

async function stored(table: string): Promise<unknown[]> {
  const query = `SELECT _id, _timestamp, _service, _raw, toJSONString(data) AS data FROM ${db}.\`${table}\` ORDER BY _id`
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json()
}

describe.if(embedded)('the embedded insert', () => {
  test('takes plain table names; a name with other characters goes the client way', () => {
    expect(insertsRaw(db, 'logs_1')).toBe(true)
    expect(insertsRaw(db, '_dead_letter')).toBe(true)
    expect(insertsRaw(db, '9-my-logs')).toBe(false)
    expect(insertsRaw('my-db', 'logs')).toBe(false)
  })

  test('stores the same rows as the client path, byte for byte, whatever the rows hold', async () => {
    const rows = [
      row('p1', '{"message":"plain","level":"info","duration":1.5}'),
      row('p2', '{"big":123456789012345678901234567890,"k":1,"k":2}'), // beyond 64 bits; duplicate keys
      row('p3', '{\n  "pretty": ["a", {"b": null}],\n  "u": "\\u00e9\\ud83d\\ude00 é 😀"\n}'), // newlines inside an event
      row('p4', '{"requestId":"r"}', '"2026-01-02T03:04:05.678Z"'),
    ]
    // The last chunk lacks its newline: the writer must still keep rows apart.
    const chunks = () => [enc.encode(rows[0]! + rows[1]!), enc.encode(rows[2]!), enc.encode(rows[3]!.trimEnd())]
    expect(await writer.write('parity_raw', chunks(), 'parity')).toEqual({ inserted: 4, deadLettered: 0 })
    expect(await writer.write('parity-client', chunks(), 'parity')).toEqual({ inserted: 4, deadLettered: 0 })
    const raw = await stored('parity_raw')
    expect(raw).toHaveLength(4)
    expect(raw).toEqual(await stored('parity-client'))
  })

  test('a refused row is dead-lettered under ClickHouse reason, the rest land, and a replay lands nothing twice', async () => {
    const batch = () => [enc.encode(row('r1', '{"a":1}') + row('r2', '{"duration":"slow"}') + row('r3', '{"a":3}'))]
    expect(await writer.write('refuse_raw', batch(), 'refuse')).toEqual({ inserted: 2, deadLettered: 1 })
    expect(await writer.write('refuse_raw', batch(), 'refuse')).toEqual({ inserted: 2, deadLettered: 1 })
    const dead = await (await ch.client.query({ query: `SELECT _id, error FROM ${db}._dead_letter WHERE dataset = 'refuse_raw'`, format: 'JSONEachRow' })).json<{ _id: string; error: string }>()
    expect(dead.map((d) => d._id)).toEqual(['r2'])
    expect(dead[0]!.error).toContain('duration')
    expect(await stored('refuse_raw')).toHaveLength(2)
  })

  test('an insert into a table dropped under it is retried later, not refused', async () => {
    await writer.write('dropped_raw', [enc.encode(row('d1', '{}'))], 'drop-1')
    await ch.client.command({ query: `DROP TABLE ${db}.dropped_raw SYNC` })
    // The table manager still believes it exists: the first attempt fails as unavailable (UNKNOWN_TABLE
    // read from chDB's own error), and the next re-creates it.
    await expect(writer.write('dropped_raw', [enc.encode(row('d2', '{}'))], 'drop-2')).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await writer.write('dropped_raw', [enc.encode(row('d2', '{}'))], 'drop-2')).toEqual({ inserted: 1, deadLettered: 0 })
  })

  test('a database name chDB cannot write unquoted (`function`, `1e5`) falls back to the client at once', async () => {
    for (const database of ['function', '1e5']) {
      const other = new RowWriter(ch.store, new TableManager(ch.store, { database, ttlDays: 0 }))
      expect(insertsRaw(database, 'fallback')).toBe(true)
      expect(await other.write('fallback', [enc.encode(row('f1', '{}'))], 'fallback-1')).toEqual({ inserted: 1, deadLettered: 0 })
      expect(insertsRaw(database, 'fallback')).toBe(false)
      expect(await other.write('fallback', [enc.encode(row('f2', '{}'))], 'fallback-2')).toEqual({ inserted: 1, deadLettered: 0 })
      const [{ n }] = await (await ch.client.query({ query: `SELECT count() AS n FROM \`${database}\`.fallback`, format: 'JSONEachRow' })).json<{ n: string }>()
      expect(Number(n)).toBe(2)
    }
  })
})
