// The statement gate judged by the real engine's parser (a locked query session of the shared test
// ClickHouse): what passes, what is refused, and the one sentence that says why.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { ClickHouseClient } from '@clickhouse/client'
import { QueryRejectedError } from '../../src/errors'
import { parseExplainAst } from '../../src/query/explain-ast'
import { admitStatement, stringLiteral, type EngineText } from '../../src/query/statement-gate'
import { testClickHouse } from '../support/clickhouse'

const ch = testClickHouse()
const db = ch.database
let session: ClickHouseClient
const engine: EngineText = async (sql) => {
  const { stream } = await session.exec({ query: sql, clickhouse_settings: { default_format: 'TabSeparatedRaw' } })
  return new Response(stream as unknown as ReadableStream).text()
}

beforeAll(async () => {
  await ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` })
  await ch.client.command({ query: `CREATE TABLE IF NOT EXISTS ${db}.logs (x UInt64) ENGINE = MergeTree ORDER BY x` })
  session = ch.openQuery().client
  await session.command({ query: `USE ${db}` })
  await session.command({ query: 'SET readonly = 1' })
})
afterAll(() => session.close())

async function verdict(sql: string): Promise<{ status: number; error: string } | string> {
  try {
    return await admitStatement(engine, sql, db)
  } catch (error) {
    if (error instanceof QueryRejectedError) return { status: error.status, error: error.message }
    return { status: 400, error: String((error as Error).message) }
  }
}

describe('statement gate, judged by the engine', () => {
  test.each([
    'SELECT 1',
    `  select x, count() FROM ${db}.logs GROUP BY ALL`,
    'select x from logs',
    'WITH t AS (SELECT 1 AS a) SELECT * FROM t',
    `SHOW TABLES FROM ${db}`,
    'SHOW TABLES',
    `DESCRIBE TABLE ${db}.logs`,
    `SHOW CREATE TABLE ${db}.logs`,
    `EXISTS TABLE ${db}.logs`,
    'EXPLAIN SELECT 1',
    "SELECT 'a; DROP TABLE x' AS s",
    'SELECT 1 -- ; DROP TABLE x',
    'SELECT 1;',
    'SELECT count() FROM numbers(10)',
    `SELECT name, engine FROM system.tables WHERE database = '${db}'`,
    `SELECT table, name, type FROM system.columns WHERE database = '${db}'`,
    'SELECT * FROM system.one',
    `SELECT 1 IN ${db}.logs`,
    '(SELECT 1) UNION ALL (SELECT 2)',
  ])('lets %p run, as the engine formats it', async (sql) => {
    const result = await verdict(sql)
    expect(typeof result).toBe('string')
  })

  test('runs the engine\'s text, not the client\'s: comments and the trailing semicolon are gone', async () => {
    expect(await verdict('select   1 /* hi */ ;')).toBe('SELECT 1')
  })

  test.each([
    ['DROP TABLE logs', 403, /read statements/],
    ['INSERT INTO logs VALUES (1)', 403, /read statements/],
    ['WITH x AS (SELECT 1) INSERT INTO logs SELECT 1', 403, /read statements/],
    ['SET readonly = 0', 403, /read statements/],
    ['SYSTEM STOP MERGES', 403, /read statements/],
    ['SELECT 1; DROP TABLE logs', 400, /statement|Multi-statements/i],
    ["SELECT $$'$$; DROP TABLE logs; -- '", 400, /statement|Multi-statements/i],
    ["SELECT * FROM `file`('/etc/hostname', 'LineAsString')", 403, /table function file\(\)/],
    ['SELECT * FROM "FILE"(\'/etc/hostname\')', 403, /table function FILE\(\)/],
    ["SELECT * FROM filesystem('/')", 403, /table function filesystem\(\)/],
    ["SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')", 403, /table function url\(\)/],
    ["SELECT * FROM remote('127.0.0.1', system.one)", 403, /table function remote\(\)/],
    ['SELECT * FROM merge(\'system\', \'.*\')', 403, /table function merge\(\)/],
    ["SELECT file('/etc/hostname')", 403, /function file\(\)/],
    ["SELECT getSetting('readonly')", 403, /function getSetting\(\)/],
    ['SELECT hostName()', 403, /function hostName\(\)/],
    ["SELECT dictGet('d', 'a', 1)", 403, /function dictGet\(\)/],
    ['SELECT 1 SETTINGS readonly = 0', 403, /SETTINGS/],
    ['SELECT 1 SETTINGS max_execution_time = 0', 403, /SETTINGS/],
    ['SELECT * FROM (SELECT 1 SETTINGS max_result_rows = 0)', 403, /SETTINGS/],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", 403, /OUTFILE/],
    ['SELECT 1 FORMAT CSV', 400, /FORMAT/],
    ['SELECT * FROM system.users', 403, /system\.users/],
    ['SELECT * FROM system.disks', 403, /system\.disks/],
    ['SELECT * FROM system.processes', 403, /system\.processes/],
    ['SELECT * FROM system.tables', 403, /Name the columns/],
    ['SELECT data_paths FROM system.tables', 403, /data_paths/],
    ['SELECT t.metadata_path FROM system.tables AS t', 403, /metadata_path/],
    ['SHOW PROCESSLIST', 403, /read statements/],
    ['SHOW USERS', 403, /read statements/],
    ['SHOW GRANTS', 403, /read statements/],
    ["SHOW SETTINGS LIKE '%'", 403, /SHOW TABLES/],
    ['SELECT * FROM information_schema.tables', 403, /outside/],
    ['SELECT 1 IN other_db.t', 403, /outside/],
    ['SELECT * FROM `a.b`.`c.d`', 403, /more than one dot/],
    ['EXPLAIN AST INSERT INTO logs VALUES (1)', 403, /EXPLAIN is allowed for SELECT/],
    ['', 400, /empty/],
    ['SELEC 1', 400, /Syntax error/],
    ["SELECT b FROM values('a UInt8, b String ALIAS file(''/etc/shadow'')', 1)", 403, /values\(\) takes its column list/],
    ["EXPLAIN SYNTAX SELECT 1 AS x INTO OUTFILE '/tmp/x.tsv'", 403, /OUTFILE/],
    [`DESCRIBE TABLE ${db}.logs INTO OUTFILE '/tmp/x.tsv' TRUNCATE`, 403, /OUTFILE/],
    [`EXISTS TABLE ${db}.logs INTO OUTFILE '/tmp/x.tsv' APPEND`, 403, /OUTFILE/],
    [`SHOW CREATE TABLE ${db}.logs INTO OUTFILE '/tmp/x.tsv' COMPRESSION 'gzip'`, 403, /OUTFILE/],
    ["SELECT inIgnoreSet('a', system.settings)", 403, /inIgnoreSet\(\) is refused/],
    ['SELECT max(arrayLevenshteinDistance(range(30000), range(number, number + 30000))) FROM numbers(8)', 403, /faster than its input/],
    ['SELECT * APPLY(hostName) FROM numbers(1)', 403, /APPLY/],
    ['WITH range(10) AS r SELECT arrayMap(x -> has(r, x), r)', 403, /lambda reads r/],
    ["SELECT position(toString(number), toString(number)) FROM numbers(2)", 403, /constant pattern/],
    ['SELECT sum(number) OVER (ORDER BY number ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM numbers(2)', 403, /window frame is refused/],
  ])('refuses %p and says why', async (sql, status, why) => {
    const result = await verdict(sql)
    expect(result).toMatchObject({ status })
    expect((result as { error: string }).error).toMatch(why)
  })
})

describe('EXPLAIN AST text', () => {
  test('reads depth, kind and name, without alias or child count', () => {
    const root = parseExplainAst('SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Function file (alias f) (children 1)\n   Literal \'x (alias y)\'\n')
    expect(root.kind).toBe('SelectWithUnionQuery')
    const fn = root.children[0]!.children[0]!
    expect(fn).toMatchObject({ kind: 'Function', name: 'file' })
    expect(fn.children[0]!.kind).toBe('Literal')
  })
  test('a name holding a line break cannot add a node: the printed child counts no longer match', () => {
    expect(() => parseExplainAst('SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Function file (alias a\n  b) (children 1)\n   ExpressionList\n')).toThrow()
  })
  test('a function name is read up to its alias, even an alias left open', () => {
    const root = parseExplainAst('Function file (alias a')
    expect(root.name).toBe('file')
  })
  test('refuses text that is not one tree', () => {
    expect(() => parseExplainAst('A\nB\n')).toThrow()
    expect(() => parseExplainAst('A\n   B\n')).toThrow()
  })
  test('a string literal holds any text, quotes and backslashes included', () => {
    expect(stringLiteral("a'b\\c")).toBe("'a\\'b\\\\c'")
    expect(stringLiteral('a\0b')).toBe("'a\\0b'")
  })
})
