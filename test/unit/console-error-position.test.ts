// The console marks ClickHouse's error where it points: a position or line and column for a
// syntax error, the named identifier, table or function otherwise.
import { describe, expect, test } from 'bun:test'
import { errorSpan } from '../../src/console/web/error-position'

const marked = (message: string, sql: string) => {
  const span = errorSpan(message, sql)
  return span && sql.slice(span.from, span.to)
}

describe('errorSpan', () => {
  test('a syntax error at a 1-based position marks the word there', () => {
    expect(marked("ClickHouse refused the query: Syntax error: failed at position 15 ((): (. Unmatched parentheses: ( (SYNTAX_ERROR)", 'SELECT 1 FROM (')).toBe('(')
  })

  test('a line and column win over the position (the position counts the whole text)', () => {
    expect(marked('Syntax error: failed at position 18 (3) (line 2, col 8): 3. Expected one of: ...', 'SELECT 1,\n  2 +* 3')).toBe('3')
  })

  test('an unknown identifier, table or function is found by name', () => {
    expect(marked('Unknown expression identifier `requestIdd` in scope SELECT requestIdd FROM sluice.logs. (UNKNOWN_IDENTIFIER)', 'SELECT requestIdd FROM sluice.logs')).toBe('requestIdd')
    expect(marked("Unknown table expression identifier 'sluice.nope' in scope SELECT 1 FROM sluice.nope. (UNKNOWN_TABLE)", 'SELECT 1\nFROM sluice.nope')).toBe('sluice.nope')
    expect(marked("Function with name `coutn` does not exist. In scope SELECT coutn(). Unknown function coutn (UNKNOWN_FUNCTION)", 'SELECT coutn()')).toBe('coutn')
  })

  test('a missing table is marked by its own name, with or without its database; a quoted or aggregate function by its name', () => {
    expect(marked('Table sluice.nope does not exist. (UNKNOWN_TABLE)', 'SELECT 1 FROM nope')).toBe('nope')
    expect(marked('Table nope does not exist. (UNKNOWN_TABLE)', 'SELECT 1 FROM nope')).toBe('nope')
    expect(marked('Unknown aggregate function `sumx`. (UNKNOWN_AGGREGATE_FUNCTION)', 'SELECT sumx(1)')).toBe('sumx')
  })

  test('an error that points nowhere marks nothing', () => {
    expect(errorSpan('Memory limit exceeded', 'SELECT 1')).toBeUndefined()
    expect(errorSpan('Unknown expression identifier `gone` in scope', 'SELECT 1')).toBeUndefined()
  })
})
