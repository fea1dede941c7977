// What ingest accepts, ClickHouse stores: through the real pipeline (HTTP -> JetStream -> batcher
// -> embedded ClickHouse), every event at the edges of JSON is either refused with its index or
// lands with `_raw` byte for byte as sent, in any position of a request, and nothing is dead-lettered;
// the time window bounds the day partitions of a request; events with ever-new keys land.
import { plainPlace } from '../../src/store/tables'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DATA_TYPE, datasetTableDDL, PART_SETTINGS } from '../../src/sink/tables'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'
import { ODD_STORED_EVENTS, POISON_EVENTS } from '../support/odd-events'

let p: TestPipeline
let db: string

beforeAll(async () => {
  p = await startTestPipeline()
  db = p.clickhouse.database
})
afterAll(async () => {
  await p?.stop()
})

const good = (tag: string) => JSON.stringify({ message: `good ${tag}`, level: 'info', duration: 1.5, tag })

/** `_raw` of every row of `table`, by `_id`. */
async function rawsById(table: string): Promise<Map<string, string>> {
  const rows = await p.query(`SELECT _id, _raw FROM ${db}.\`${table}\``)
  return new Map(rows.map((r) => [r._id as string, r._raw as string]))
}

async function deadLetters(): Promise<number> {
  try {
    return Number((await p.query(`SELECT count() AS n FROM ${db}._dead_letter`))[0]!.n)
  } catch (error) {
    if (String(error).includes('UNKNOWN_TABLE') || String(error).includes('does not exist')) return 0
    throw error
  }
}

interface Sent {
  events: string[]
  poison: number[]
}

describe('poison events mixed with good ones', () => {
  test('in every position: 400 with exactly the poison indexes, the rest land byte for byte, no dead letters', async () => {
    const requests: Sent[] = []
    for (const [n, poison] of POISON_EVENTS.entries()) {
      const g = (i: number) => good(`${n}-${i}`)
      requests.push({ events: [poison.text, g(1), g(2)], poison: [0] })
      requests.push({ events: [g(0), poison.text, g(2)], poison: [1] })
      requests.push({ events: [g(0), g(1), poison.text], poison: [2] })
    }
    // Several in one request, among odd events that must be stored.
    const mixed: string[] = []
    const mixedPoison: number[] = []
    for (const [n, poison] of POISON_EVENTS.entries()) {
      mixed.push(good(`mixed-${n}`))
      mixedPoison.push(mixed.length)
      mixed.push(poison.text)
      mixed.push(ODD_STORED_EVENTS[n % ODD_STORED_EVENTS.length]!)
    }
    mixedPoison.push(mixed.length, mixed.length + 1)
    mixed.push(POISON_EVENTS[0]!.text, POISON_EVENTS[6]!.text)
    requests.push({ events: mixed, poison: mixedPoison })

    let expected = 0
    const stored = new Map<string, string>()
    for (const [r, request] of requests.entries()) {
      const key = `poison-${r}`
      const sent = await p.send('poison', `[${request.events.join(',')}]`, { 'idempotency-key': key })
      expect(sent.status).toBe(400)
      expect(sent.body.invalid.map((i: { index: number }) => i.index)).toEqual(request.poison)
      for (const invalid of sent.body.invalid as { index: number; error: string }[]) {
        const text = request.events[invalid.index]!
        const poison = POISON_EVENTS.find((e) => e.text === text)!
        expect(invalid.error).toContain(poison.error)
      }
      expect(sent.body.accepted).toBe(request.events.length - request.poison.length)
      for (const [i, text] of request.events.entries()) if (!request.poison.includes(i)) stored.set(`${r}:${i}`, text.trim())
      expected += request.events.length - request.poison.length
    }
    expect(await p.waitForCount('poison', expected, 30_000)).toBe(expected)
    // Same _raw multiset as sent: every accepted event once, byte for byte.
    const landed = [...(await rawsById('poison')).values()].sort()
    expect(landed).toEqual([...stored.values()].sort())
    expect(await deadLetters()).toBe(0)
  }, 60_000)

  test('odd events ClickHouse stores land as sent, and `data` reads them', async () => {
    const sent = await p.send('odd', `[${ODD_STORED_EVENTS.join(',')}]`)
    expect(sent.body).toEqual({ message: 'Request Accepted' })
    expect(await p.waitForCount('odd', ODD_STORED_EVENTS.length, 20_000)).toBe(ODD_STORED_EVENTS.length)
    const landed = [...(await rawsById('odd')).values()].sort()
    // An element is its bytes from its first to its last character: whitespace around it is the array's.
    expect(landed).toEqual(ODD_STORED_EVENTS.map((e) => e.trim()).sort())
    // A repeated key: `data` keeps the first value, as ClickHouse reads JSON.
    const [row] = await p.query(`SELECT toString(data.note) AS m FROM ${db}.odd WHERE _raw = '{"note":"one","note":"two"}'`)
    expect(row!.m).toBe('one')
    expect(await deadLetters()).toBe(0)
  }, 40_000)

  test('SELECT * answers on a dataset of every event ingest accepts among the odd and the poison ones', async () => {
    const events = [...ODD_STORED_EVENTS, ...POISON_EVENTS.map((e) => e.text)]
    const accepted: number = (await p.send('everything', `[${events.join(',')}]`)).body.accepted
    expect(await p.waitForCount('everything', accepted, 20_000)).toBe(accepted)
    expect(await p.query(`SELECT * FROM ${db}.everything`)).toHaveLength(accepted)
    expect(accepted).toBe(ODD_STORED_EVENTS.length)
  }, 40_000)
})

describe('the event time window', () => {
  test('3,000 distinct days in one request: only the window lands, in a bounded number of day partitions', async () => {
    const now = Date.now()
    const events = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ timestamp: new Date(now - i * 86_400_000 + 3_600_000).toISOString(), day: i }))
    const sent = await p.send('days', `[${events.join(',')}]`)
    expect(sent.status).toBe(400)
    // Default EVENT_MAX_PAST_DAYS=30: days 0..30 back (each an hour later than that day's now).
    expect(sent.body.accepted).toBe(31)
    // All 2,969 are counted; the list itself stops at its first 1,000 entries (invalid-list.ts).
    expect(sent.body.rejected).toBe(2969)
    expect(sent.body.invalid).toHaveLength(1000)
    expect(sent.body.invalidTruncated).toBe(true)
    expect(sent.body.invalid[0]).toMatchObject({ index: 31, field: 'timestamp' })
    expect(sent.body.invalid[0].error).toContain('EVENT_MAX_PAST_DAYS (30 days)')
    expect(await p.waitForCount('days', 31, 20_000)).toBe(31)
    const [parts] = await p.query(`SELECT uniqExact(partition) AS n FROM system.parts WHERE database = '${db}' AND table = 'days' AND active`)
    expect(Number(parts!.n)).toBeLessThanOrEqual(32)
  }, 40_000)

  test('an event the TTL would drop is refused, naming CLICKHOUSE_TTL_DAYS', async () => {
    // Its own NATS: a batcher on a shared stream could write the event into the other pipeline's database.
    const ttl = await startTestPipeline({ CLICKHOUSE_TTL_DAYS: '7' })
    try {
      const old = new Date(Date.now() - 8 * 86_400_000).toISOString()
      const sent = await ttl.send('ttl', JSON.stringify([{ timestamp: old }, { message: 'now' }]))
      expect(sent.status).toBe(400)
      expect(sent.body.invalid).toHaveLength(1)
      expect(sent.body.invalid[0].error).toContain('CLICKHOUSE_TTL_DAYS (7 days')
      expect(await ttl.waitForCount('ttl', 1, 20_000)).toBe(1)
    } finally {
      await ttl.stop()
    }
  }, 40_000)
})

describe('events with ever-new keys', () => {
  test('a 6 MB request of distinct keys, some nested in arrays, lands whole (it made inserts fail with Too many open files)', async () => {
    let k = 0
    const kinds = [() => 1, () => 'x', () => true, () => 1.5, () => [1], () => ['a'], () => null, () => ({ z: 1 })]
    const events: string[] = []
    let bytes = 0
    for (let i = 0; bytes < 5_800_000; i++) {
      const e: Record<string, unknown> = {}
      for (let j = 0; j < 8; j++) e[`k${k++}`] = kinds[(i + j) % kinds.length]!()
      e.arr = [{ [`k${k++}`]: kinds[i % kinds.length]!(), [`k${k++}`]: [{ [`k${k++}`]: kinds[(i + 1) % kinds.length]!() }] }]
      const text = JSON.stringify(e)
      events.push(text)
      bytes += text.length + 1
    }
    const sent = await p.send('wide', `[${events.join(',')}]`)
    expect(sent.status).toBe(202)
    expect(await p.waitForCount('wide', events.length, 40_000)).toBe(events.length)
    const [parts] = await p.query(`SELECT groupUniqArray(part_type) AS kinds FROM system.parts WHERE database = '${db}' AND table = 'wide' AND active`)
    expect(parts!.kinds).toEqual(['Compact'])
    expect(await deadLetters()).toBe(0)
  }, 60_000)

  test('a table created by an earlier version (wide parts, default JSON limits) is upgraded and keeps taking events', async () => {
    const legacy = datasetTableDDL(plainPlace(db, 'legacy'), 0).replace(`${DATA_TYPE}`, 'JSON(message Nullable(String), level Nullable(String), requestId Nullable(String), traceId Nullable(String), service Nullable(String), namespace Nullable(String), duration Nullable(Float64))').replace(`, ${PART_SETTINGS}`, '')
    expect(legacy).not.toContain('min_bytes_for_wide_part')
    await p.clickhouse.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` })
    await p.clickhouse.client.command({ query: legacy })
    const sent = await p.send('legacy', JSON.stringify([{ message: 'after the upgrade', duration: 2 }]))
    expect(sent.status).toBe(202)
    expect(await p.waitForCount('legacy', 1, 20_000)).toBe(1)
    const [table] = await p.query(`SELECT create_table_query AS ddl FROM system.tables WHERE database = '${db}' AND name = 'legacy'`)
    expect(table!.ddl).toContain('min_bytes_for_wide_part = 1099511627776')
  }, 40_000)
})
