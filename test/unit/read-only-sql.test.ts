import { describe, expect, test } from 'bun:test'
import { QueryRejectedError } from '../../src/errors'
import { checkReadOnlySql } from '../../src/query/read-only-sql'

describe('read-only SQL gate', () => {
  test.each([
    'SELECT 1',
    '  select data.requestId, count() FROM sluice.logs GROUP BY ALL',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'SHOW TABLES FROM sluice',
    'DESCRIBE TABLE sluice.logs',
    'EXPLAIN SELECT 1',
    "SELECT 'a; DROP TABLE x' AS s",
    'SELECT 1 -- ; DROP TABLE x',
    "SELECT `file`('x') FROM t",
    'SELECT 1;',
  ])('lets %p run', (sql) => expect(() => checkReadOnlySql(sql)).not.toThrow())

  test('drops a trailing semicolon', () => expect(checkReadOnlySql('SELECT 1 ;  ')).toBe('SELECT 1 '))

  test.each([
    ['DROP TABLE sluice.logs', 403],
    ['INSERT INTO sluice.logs VALUES (1)', 403],
    ['ALTER TABLE sluice.logs DELETE WHERE 1', 403],
    ['TRUNCATE TABLE sluice.logs', 403],
    ['SET readonly = 0', 403],
    ['SYSTEM STOP MERGES', 403],
    ['/* SELECT */ CREATE TABLE t (a Int8) ENGINE = Memory', 403],
    ['SELECT 1; DROP TABLE sluice.logs', 400],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", 403],
    ["SELECT * FROM url('http://127.0.0.1/', 'TSV')", 403],
    ["SELECT * FROM s3 ('bucket')", 403],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", 403],
    ['', 400],
    ['-- nothing', 400],
  ])('refuses %p and says why', (sql, status) => {
    try {
      checkReadOnlySql(sql)
      throw new Error('accepted')
    } catch (error) {
      expect(error).toBeInstanceOf(QueryRejectedError)
      expect((error as QueryRejectedError).status).toBe(status)
    }
  })
})
