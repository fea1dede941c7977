// The ClickHouse sink against the real embedded engine: table layout, exact storage, idempotent
// retries, and bad rows isolated into `_dead_letter` without blocking good ones.
import { plainPlace } from '../../src/store/tables'
import { beforeAll, describe, expect, test } from 'bun:test'
import { ensurePlainTable, type TableSpec } from '../../src/store/tables'
import type { Store } from '../../src/store/types'
import { StoreUnavailableError } from '../../src/errors'
import { RowWriter, split } from '../../src/sink/row-writer'
import { REQUEST_INDEX, TableManager, datasetTableDDL } from '../../src/sink/tables'
import { testClickHouse } from '../support/clickhouse'

const ch = testClickHouse()
const db = ch.database
const tables = new TableManager(ch.store, ch.config)
const writer = new RowWriter(ch.store, tables)
const enc = new TextEncoder()

const T0 = 1764000000123
/** A v1 row exactly as ingest writes it; `raw` is embedded verbatim. */
const row = (id: string, raw: string, ts: number | string = T0, service = 'api') =>
  `{"_timestamp":${ts},"_service":${JSON.stringify(service)},"_namespace":"ns","_id":${JSON.stringify(id)},"_raw":${raw}}\n`
const body = (...rows: string[]) => enc.encode(rows.join(''))

async function rows<T>(query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>()
}
const count = async (table: string, where = '1') =>
  Number((await rows<{ c: string }>(`SELECT count() AS c FROM ${db}.\`${table}\` WHERE ${where}`))[0].c)

beforeAll(async () => {
  expect(await ch.store.ping()).toBe(true)
})

describe('table layout', () => {
  test('creates the dataset table on first write with the documented columns', async () => {
    await writer.write('layout', [body(row('l1', '{"a":1}'))], 'layout-1')
    const cols = await rows<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'layout' ORDER BY position`,
    )
    expect(cols.map((c) => c.name)).toEqual(['_timestamp', '_service', '_namespace', '_id', '_raw', 'data'])
    expect(cols[0].type).toBe('DateTime64(3)')
    expect(cols[1].type).toBe('LowCardinality(String)')
    expect(cols[4].type).toBe('String')
    expect(cols[5].type).toStartWith('JSON(')
    expect(cols[5].type).toContain('requestId Nullable(String)')
    expect(cols[5].type).toContain('duration Nullable(Float64)')
    const [{ create_table_query: ddl }] = await rows<{ create_table_query: string }>(
      `SELECT create_table_query FROM system.tables WHERE database = '${db}' AND name = 'layout'`,
    )
    expect(ddl).toContain('PARTITION BY toDate(_timestamp)')
    expect(ddl).toContain('ORDER BY (_service, _timestamp)')
    expect(ddl).toContain('TYPE bloom_filter')
    expect(ddl).toContain('non_replicated_deduplication_window = 1000')
    expect(ddl).not.toContain('TTL')
  })

  test('adds a TTL on the event time only when ttlDays > 0', async () => {
    const ttlTables = new TableManager(ch.store, { database: db, ttlDays: 30 })
    await ttlTables.ensure('with_ttl')
    const [{ create_table_query: ddl }] = await rows<{ create_table_query: string }>(
      `SELECT create_table_query FROM system.tables WHERE database = '${db}' AND name = 'with_ttl'`,
    )
    expect(ddl).toContain('TTL _timestamp + toIntervalDay(30)')
    expect(datasetTableDDL(plainPlace(db, 'x'), 0)).not.toContain('TTL')
  })

  test('accepts every valid dataset name, including ones with dashes and leading digits', async () => {
    const r = await writer.write('9-my_logs-2', [body(row('n1', '{}'))], 'names-1')
    expect(r).toEqual({ inserted: 1, deadLettered: 0 })
    expect(await count('9-my_logs-2')).toBe(1)
  })
})

describe('storage', () => {
  test('rows land and the documented query groups by a typed path', async () => {
    const r = await writer.write(
      'logs',
      [body(row('g1', '{"requestId":"r1","message":"a"}'), row('g2', '{"requestId":"r1"}')), body(row('g3', '{"requestId":"r2","user":{"id":7}}'))],
      'logs-1',
    )
    expect(r).toEqual({ inserted: 3, deadLettered: 0 })
    const grouped = await rows<{ rid: string; c: string }>(`SELECT data.requestId AS rid, count() AS c FROM ${db}.logs GROUP BY ALL ORDER BY rid`)
    expect(grouped.map((g) => [g.rid, Number(g.c)])).toEqual([['r1', 2], ['r2', 1]])
    // Dynamic (untyped) paths group too, thanks to allow_suspicious_types_in_group_by.
    const dyn = await rows<{ c: string }>(`SELECT data.user.id AS u, count() AS c FROM ${db}.logs GROUP BY ALL ORDER BY u`)
    expect(dyn.length).toBe(2)
  })

  test('keeps _raw byte-exact: whitespace, escapes, unicode, dotted keys, nulls, big ints', async () => {
    const raws = [
      '{ "message" : "spaced\\tout" ,\t"n":null }',
      '{"esc":"quote \\" backslash \\\\ slash \\/ nl \\n u \\u00e9 \\ud83d\\ude00"}',
      '{"unicode":"héllo wörld ✓ 😀 日本語"}',
      '{"a.b":1,"a":{"c":2},"x.y.z":"dotted"}',
      '{"big":123456789012345678901234567890,"neg":-0.0000001e-300,"i64":18446744073709551615}',
      '{"nested":{"deep":[1,[2,[3,{"k":null}]]]},"empty":{},"arr":[]}',
      '{"dup":1,"dup":2}',
    ]
    const r = await writer.write('exact', [body(...raws.map((raw, i) => row(`e${i}`, raw)))], 'exact-1')
    expect(r).toEqual({ inserted: raws.length, deadLettered: 0 })
    const stored = await rows<{ _id: string; _raw: string }>(`SELECT _id, _raw FROM ${db}.exact ORDER BY _id`)
    expect(stored.map((s) => s._raw)).toEqual(raws)
    const [dotted] = await rows<{ v: string }>(`SELECT data.x.y.z AS v FROM ${db}.exact WHERE _id = 'e3'`)
    expect(dotted.v).toBe('dotted')
  })

  test('round-trips _timestamp as epoch milliseconds', async () => {
    const times = [T0, 0, 1, 4102444800999, 1700000000001]
    await writer.write('times', [body(...times.map((t, i) => row(`t${i}`, '{}', t)))], 'times-1')
    const stored = await rows<{ ms: string }>(`SELECT toUnixTimestamp64Milli(_timestamp) AS ms FROM ${db}.times ORDER BY _id`)
    expect(stored.map((s) => Number(s.ms))).toEqual(times)
  })

  test('keeps rows of bodies that lack a final newline apart', async () => {
    const a = enc.encode(row('s1', '{}').trimEnd())
    const b = enc.encode(row('s2', '{}').trimEnd())
    expect(await writer.write('seams', [a, b], 'seams-1')).toEqual({ inserted: 2, deadLettered: 0 })
    expect(await count('seams')).toBe(2)
  })
})

describe('idempotence', () => {
  test('the same batch written twice with the same token lands once', async () => {
    const batch = [body(row('d1', '{"m":1}'), row('d2', '{"m":2}')), body(row('d3', '{"m":3}', T0 + 86_400_000 * 3))]
    await writer.write('dedup', batch, 'dedup-token')
    await writer.write('dedup', batch, 'dedup-token')
    expect(await count('dedup')).toBe(3)
    await writer.write('dedup', batch, 'another-token')
    expect(await count('dedup')).toBe(6)
  })

  test('a retried batch with a bad row lands its good rows and dead letter once', async () => {
    const batch = [body(row('b1', '{}'), row('b2', '"not an object"'), row('b3', '{}'))]
    expect(await writer.write('dedup_bad', batch, 'dedup-bad')).toEqual({ inserted: 2, deadLettered: 1 })
    expect(await writer.write('dedup_bad', batch, 'dedup-bad')).toEqual({ inserted: 2, deadLettered: 1 })
    expect(await count('dedup_bad')).toBe(2)
    expect(await count('_dead_letter', "dataset = 'dedup_bad'")).toBe(1)
  })
})

describe('bad rows', () => {
  test('one bad row among many: every other row lands, the bad one goes to _dead_letter with its error', async () => {
    const good = Array.from({ length: 200 }, (_, i) => row(`ok${i}`, `{"i":${i},"duration":${i}}`))
    const bad = row('bad1', '{"duration":"fast"}') // a number-typed path given a word: ClickHouse INCORRECT_DATA
    const bodies = [body(...good.slice(0, 70)), body(...good.slice(70, 150), bad, ...good.slice(150, 170)), body(...good.slice(170))]
    expect(await writer.write('mixed', bodies, 'mixed-1')).toEqual({ inserted: 200, deadLettered: 1 })
    expect(await count('mixed')).toBe(200)
    const dead = await rows<{ _id: string; error: string; row: string }>(`SELECT _id, error, row FROM ${db}._dead_letter WHERE dataset = 'mixed'`)
    expect(dead.length).toBe(1)
    expect(dead[0]._id).toBe('bad1')
    expect(dead[0].row).toBe(bad.trimEnd())
    expect(dead[0].error).toContain('Float64')
  })

  test('dead-letters each kind of row ClickHouse refuses, separately', async () => {
    const bads = [
      row('x-ts', '{}', '"not a time"'), // CANNOT_PARSE_DATETIME
      row('x-str', '"a string"'), // _raw not an object: INCORRECT_DATA
      row('x-arr', '[1,2]'),
      row('x-surrogate', '{"m":"\\ud800"}'), // lone surrogate: valid for JSON.parse, not for ClickHouse
      // Not JSON (a trailing comma). It still ends with '}': rows are told apart by "}\n{" (row-boundaries.ts).
      '{"_timestamp":1,"_service":"api","_id":"x-broken","_raw":{"a":1,,}}\n',
      row('x-inf', '{"n":1e400}'), // valid JSON grammar, beyond Float64
    ]
    const goods = [row('y1', '{}'), row('y2', '{}'), row('y3', '{}')]
    const r = await writer.write('kinds', [body(goods[0], bads[0], bads[1], goods[1]), body(bads[2], bads[3], bads[4], goods[2], bads[5])], 'kinds-1')
    expect(r).toEqual({ inserted: 3, deadLettered: 6 })
    const dead = await rows<{ _id: string; error: string }>(`SELECT _id, error FROM ${db}._dead_letter WHERE dataset = 'kinds' ORDER BY _id`)
    expect(dead.map((d) => d._id)).toEqual(['x-arr', 'x-broken', 'x-inf', 'x-str', 'x-surrogate', 'x-ts'])
    for (const d of dead) expect(d.error.length).toBeGreaterThan(0)
  })

  test('splits segments by body first, then at the line nearest the middle', () => {
    const [a, b] = [body(row('1', '{}')), body(row('2', '{}'))]
    expect(split([a, b])).toEqual([[a], [b]])
    const three = body(row('1', '{}'), row('2', '{}'), row('3', '{}'))
    const halves = split([three])!
    expect(halves[0][0].length + halves[1][0].length).toBe(three.length)
    expect(halves[0][0].at(-1)).toBe(0x0a)
    expect(split([body(row('1', '{}'))])).toBeUndefined()
    expect(split([enc.encode(row('1', '{}').trimEnd())])).toBeUndefined()
  })
})

describe('landed', () => {
  test('finds ids already stored, including dead-lettered ones, and only those', async () => {
    await writer.write('found', [body(row('f1', '{}'), row('f2', '{}'), row("f'3\"", '{}'), row('f4', '"bad"'))], 'found-1')
    const got = await writer.landed('found', ['f1', "f'3\"", 'f4', 'missing'])
    expect([...got].sort()).toEqual(["f'3\"", 'f1', 'f4'])
  })

  test('looks rows up by their request: of many stored requests, exactly the asked ids that are stored', async () => {
    const a = 'a'.repeat(32)
    const b = 'b'.repeat(32)
    const c = 'c'.repeat(32)
    const rowsOf = (base: string, n: number, bad = -1) => Array.from({ length: n }, (_, i) => row(`${base}-${i}`, i === bad ? '"bad"' : '{}'))
    await writer.write('by_request', [body(...rowsOf(a, 10, 7)), body(...rowsOf(b, 10))], 'by-request-1')
    // Same request key, other rows; a stored request not asked about; rows of a request never stored;
    // an id whose first 32 characters are a stored request's but that is no row of it.
    const asked = [`${a}-3`, `${a}-7`, `${a}-10`, `${a}-99`, `${c}-0`, `${a}`, `${a}-3x`, 'short']
    expect([...(await writer.landed('by_request', asked))].sort()).toEqual([`${a}-3`, `${a}-7`])
  })

  test('a table created before the request index gets it, and rows written before it are still found', async () => {
    const old = datasetTableDDL(plainPlace(db, 'before_index'), 0).replace(`,\n  ${REQUEST_INDEX}`, '')
    expect(old).not.toContain('idx_request')
    await ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` })
    await ch.client.command({ query: old })
    const base = 'd'.repeat(32)
    await ch.client.command({ query: `INSERT INTO ${db}.before_index (_timestamp, _service, _namespace, _id, _raw) VALUES (now64(3), 'api', 'ns', '${base}-0', '{}')` })
    const upgraded = new RowWriter(ch.store, new TableManager(ch.store, ch.config))
    await upgraded.write('before_index', [body(row(`${base}-1`, '{}'))], 'before-index-1')
    const indices = await rows<{ name: string }>(`SELECT name FROM system.data_skipping_indices WHERE database = '${db}' AND table = 'before_index'`)
    expect(indices.map((i) => i.name).sort()).toEqual(['idx_id', 'idx_request'])
    expect([...(await upgraded.landed('before_index', [`${base}-0`, `${base}-1`, `${base}-2`]))].sort()).toEqual([`${base}-0`, `${base}-1`])
  })

  test('returns nothing for a dataset that has no table yet', async () => {
    expect((await writer.landed('never_written', ['a'])).size).toBe(0)
    const fresh = new RowWriter(ch.store, new TableManager(ch.store, { database: `${db}_missing`, ttlDays: 0 }))
    expect((await fresh.landed('never_written', ['a'])).size).toBe(0)
  })
})

describe('resilience', () => {
  test('re-creates a table dropped under it on the next attempt', async () => {
    await writer.write('dropped', [body(row('r1', '{}'))], 'dropped-1')
    await ch.client.command({ query: `DROP TABLE ${db}.dropped SYNC` })
    await expect(writer.write('dropped', [body(row('r2', '{}'))], 'dropped-2')).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await writer.write('dropped', [body(row('r2', '{}'))], 'dropped-2')).toEqual({ inserted: 1, deadLettered: 0 })
  })

  test('creates each table once even when asked concurrently, and retries a failed create', async () => {
    const queries: string[] = []
    let fail = true
    const fake = {
      ensureTable: (spec: TableSpec) =>
        ensurePlainTable(async (query) => {
          queries.push(query)
          if (query.startsWith('CREATE TABLE') && fail) {
            fail = false
            throw new Error('down')
          }
        }, spec),
    } as unknown as Store
    const tm = new TableManager(fake, { database: 'd', ttlDays: 0 })
    const first = await Promise.allSettled([tm.ensure('a'), tm.ensure('a'), tm.ensure('a')])
    expect(first.every((r) => r.status === 'rejected')).toBe(true)
    await Promise.all([tm.ensure('a'), tm.ensure('a')])
    await tm.ensure('a')
    expect(queries.filter((q) => q.startsWith('CREATE TABLE')).length).toBe(2)
    // The database with each attempt at the table: one failed, one that held.
    expect(queries.filter((q) => q.startsWith('CREATE DATABASE')).length).toBe(2)
  })

  test('a batch of only bad rows settles as dead letters, never as an error the batcher would retry', async () => {
    const r = await writer.write('only_bad', [body(row('z1', '"bad"'))], 'only-bad-1')
    expect(r).toEqual({ inserted: 0, deadLettered: 1 })
  })
})
