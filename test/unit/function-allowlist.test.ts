// The function allowlist held against the engine's own list: every function the engine has is
// allowed or refused on purpose, so a new engine version cannot add a function to /query silently.
import { beforeAll, describe, expect, test } from 'bun:test'
import { ALLOWED_FUNCTIONS, REFUSED_FUNCTIONS, SYNTAX_FUNCTIONS } from '../../src/query/function-allowlist'
import { functionNameRefusal, isAllowedFunction, isPlainStructure } from '../../src/query/function-rules'
import { testClickHouse } from '../support/clickhouse'

const words = (text: string) => text.trim().split(/\s+/).filter((w) => w.length > 0)
const allowed = Object.values(ALLOWED_FUNCTIONS).flatMap(words)
const refused = Object.values(REFUSED_FUNCTIONS).flatMap(words)
let engine: { name: string; categories: string }[]

beforeAll(async () => {
  const ch = testClickHouse()
  const result = await ch.client.query({ query: 'SELECT name, categories FROM system.functions ORDER BY name', format: 'JSONEachRow' })
  engine = await result.json()
})

describe('the function allowlist against system.functions', () => {
  test('every function the engine has is either allowed or refused, by name', () => {
    const listed = new Set([...allowed, ...refused])
    const unlisted = engine.filter((f) => !listed.has(f.name)).map((f) => `${f.name} (${f.categories || 'no category'})`)
    expect(unlisted).toEqual([])
    expect(engine.length).toBeGreaterThan(1500)
  })
  test('no name is both allowed and refused, in any letter case', () => {
    const refusedLower = new Set(refused.map((n) => n.toLowerCase()))
    expect(allowed.filter((n) => refusedLower.has(n.toLowerCase()))).toEqual([])
  })
  test('every listed name is one the engine has (none left behind by an older engine)', () => {
    const known = new Set(engine.map((f) => f.name))
    expect([...allowed, ...refused].filter((n) => !known.has(n))).toEqual([])
    expect(words(SYNTAX_FUNCTIONS).filter((n) => known.has(n))).toEqual([])
  })
})

describe('function names', () => {
  test.each(['count', 'COUNT', 'sumIf', 'uniqArrayIf', 'avgOrNull', 'quantilesTimingIf', 'argMaxState', 'sumMerge', 'countDistinct', 'median', 'lambda', 'toStartOfInterval', 'JSONExtractString'])('%p is allowed', (name) => {
    expect(isAllowedFunction(name)).toBe(true)
  })
  test.each(['file', 'FILE', 'fileIf', 'hostName', 'inIgnoreSet', 'sumResample', 'windowFunnelIf', 'editDistance', 'dictGet', 'somethingNew', 'State', 'getSettingIf'])('%p is refused, with a reason', (name) => {
    expect(isAllowedFunction(name)).toBe(false)
    expect(functionNameRefusal(name)).toMatch(/refused|not among/)
  })
})

describe('values() column lists', () => {
  test.each(['a UInt8', 'a UInt8, b String', 'd DateTime64(3)', 't Tuple(x String, y Array(Nullable(UInt8)))', 'm Map(String, UInt64)', 'x Decimal(10, 2)'])('%p is a plain structure', (s) => {
    expect(isPlainStructure(s)).toBe(true)
  })
  test.each(['a UInt8 ALIAS b', 'a UInt8 DEFAULT 1', 'a UInt8, b String ALIAS hostName()', 'a', 'a UInt8,', '', 'a UInt8 CODEC(ZSTD)', 'a Tuple(b', 'a UInt8)'])('%p is not', (s) => {
    expect(isPlainStructure(s)).toBe(false)
  })
})
