// Free fields keep the type JSON gave them in `data`: a string stays a string however much it looks
// like a date or a number, a bool stays a bool beside numbers or strings. ClickHouse's JSON type
// infers types from text by default (input_format_try_infer_* and friends); every insert sluice
// makes, on each path a batch can take, pins those settings (sink/insert-settings.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { RowWriter } from '../../src/sink/row-writer'
import { TableManager } from '../../src/sink/tables'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'

/** Each free field as sent; `data` must read back the same value, of the same JSON type. */
const FIELDS: Record<string, string> = {
  dayMonthYear: '"5/6/2024"',
  offsetTime: '"2020-01-01T05:00:00+05:00"',
  date: '"2024-05-01"',
  nanoseconds: '"2024-01-01 00:00:00.123456789"',
  httpDate: '"Mon, 06 May 2024 10:00:00 GMT"',
  digits: '"12"',
  exponent: '"1e5"',
  dates: '["2024-01-01","2024-01-02"]',
  boolAndNumber: '[true,1]',
  boolAndString: '[true,"a"]',
  digitsAndNumber: '["12",13]',
  numberAndString: '[1,"a"]',
  nestedMixed: '[[1],["a"]]',
  emptyAndNull: '[[],[null]]',
  inObject: '{"when":"2024-05-01","ids":["7","8"]}',
  inArrayOfObjects: '[{"at":"2024-05-01 10:00:00"},{"at":true}]',
  bigInteger: '12345678901234567890',
  number: '1.5',
}
const EVENT = `{${Object.entries(FIELDS).map(([k, v]) => `"${k}":${v}`).join(',')}}`
const SENT = JSON.parse(EVENT) as Record<string, unknown>

let p: TestPipeline
let db: string
let writer: RowWriter
beforeAll(async () => {
  p = await startTestPipeline()
  db = p.clickhouse.database
  writer = new RowWriter(p.clickhouse.store, new TableManager(p.clickhouse.store, { database: db, ttlDays: 0 }))
})
afterAll(async () => {
  await p?.stop()
})

const row = (id: string, raw: string, timestamp: number | string = Date.now()) => `{"_timestamp":${timestamp},"_service":"s","_namespace":"","_id":"${id}","_raw":${raw}}\n`

/** `data` of the row `id` as ClickHouse gives it back, and the type it stored for each string field. */
async function stored(table: string, id: string): Promise<{ data: Record<string, unknown>; stringTypes: string[] }> {
  const strings = Object.keys(FIELDS).filter((k) => typeof SENT[k] === 'string')
  const types = strings.map((k) => `dynamicType(data.${k})`).join(', ')
  const result = await p.clickhouse.client.query({ query: `SELECT toJSONString(data) AS data, [${types}] AS types FROM ${db}.\`${table}\` WHERE _id = '${id}'`, format: 'JSONEachRow' })
  const [r] = await result.json<{ data: string; types: string[] }>()
  return { data: JSON.parse(r!.data), stringTypes: r!.types }
}

function expectAsSent(found: { data: Record<string, unknown>; stringTypes: string[] }): void {
  for (const [k, v] of Object.entries(SENT)) expect({ field: k, value: found.data[k] }).toEqual({ field: k, value: v })
  expect(new Set(found.stringTypes)).toEqual(new Set(['String']))
}

describe('free fields keep the type JSON gave them', () => {
  test('through the embedded raw insert', async () => {
    expect(await writer.write('types', [new TextEncoder().encode(row('raw', EVENT))], 'types-raw')).toEqual({ inserted: 1, deadLettered: 0 })
    expectAsSent(await stored('types', 'raw'))
  })

  test("through the client's insert, the way a ClickHouse server (CLICKHOUSE_URL) is written to", async () => {
    // Dataset names with '-' cannot be named by chDB's raw insert and take the client's SQL insert.
    expect(await writer.write('types-sql', [new TextEncoder().encode(row('sql', EVENT))], 'types-sql')).toEqual({ inserted: 1, deadLettered: 0 })
    expectAsSent(await stored('types-sql', 'sql'))
  })

  test('through the bisection that isolates a refused row', async () => {
    const batch = new TextEncoder().encode(row('good', EVENT) + row('bad', '{}', '"not a time"') + row('also-good', EVENT))
    expect(await writer.write('types_bisect', [batch], 'types-bisect')).toEqual({ inserted: 2, deadLettered: 1 })
    expectAsSent(await stored('types_bisect', 'good'))
    expectAsSent(await stored('types_bisect', 'also-good'))
  })

  test('a date-like string sent alone is stored and found as that string', async () => {
    expect((await p.send('datelike', '[{"x":"5/6/2024"}]')).status).toBe(202)
    expect(await p.waitForCount('datelike', 1)).toBe(1)
    const rows = await p.query(`SELECT toString(data.x) AS x, dynamicType(data.x) AS t FROM ${db}.datelike WHERE data.x = '5/6/2024'`)
    expect(rows).toEqual([{ x: '5/6/2024', t: 'String' }])
  })
})
