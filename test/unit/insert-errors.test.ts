// The retry-or-reject decision for failed inserts, from ClickHouse's error code alone.
import { describe, expect, test } from 'bun:test'
import { ClickHouseError } from '@clickhouse/client'
import { RowsRejectedError, StoreUnavailableError } from '../../src/errors'
import { REJECT_CODES, RETRY_CODES, classifyInsertError, clickhouseCode, isMissingTable, isRetryable } from '../../src/sink/insert-errors'

const chError = (code: number, type = 'X') => new ClickHouseError({ message: `boom ${code}`, code: String(code), type })

describe('classifyInsertError', () => {
  test.each([6, 26, 27, 38, 41, 53, 69, 70, 72, 117, 130, 131])('refuses rows on data error %i (retrying fails the same way)', (code) => {
    const err = classifyInsertError(chError(code))
    expect(err).toBeInstanceOf(RowsRejectedError)
    expect((err as RowsRejectedError).clickhouseCode).toBe(code)
    expect(isRetryable(chError(code))).toBe(false)
  })

  test.each([159, 209, 210, 241, 252, 319, 60, 81])('keeps rows for a later retry on overload or outage %i', (code) => {
    expect(classifyInsertError(chError(code))).toBeInstanceOf(StoreUnavailableError)
  })

  test('retries errors without a ClickHouse code (network, timeouts) rather than losing rows', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })
    expect(isRetryable(refused)).toBe(true)
    expect(isRetryable(new Error('Timeout error.'))).toBe(true)
    expect(classifyInsertError('weird')).toBeInstanceOf(StoreUnavailableError)
  })

  test("reads the engine's code from chDB's own errors, which carry a code of their own beside it", () => {
    const chdbError = (clickhouseCode: number) => Object.assign(new Error(`Code: ${clickhouseCode}. DB::Exception`), { code: 'CHDB_INSERT', clickhouseCode })
    expect(clickhouseCode(chdbError(117))).toBe(117)
    expect(classifyInsertError(chdbError(117))).toBeInstanceOf(RowsRejectedError)
    expect(classifyInsertError(chdbError(241))).toBeInstanceOf(StoreUnavailableError)
    expect(isMissingTable(chdbError(60))).toBe(true)
  })

  test('retries codes it does not know rather than refusing good rows', () => {
    expect(isRetryable(chError(62))).toBe(true)
  })

  test('keeps the ClickHouse error as the cause and its message', () => {
    const cause = chError(117)
    const err = classifyInsertError(cause)
    expect(err.cause).toBe(cause)
    expect(err.message).toContain('boom 117')
  })

  test('passes sluice errors through unchanged', () => {
    const e = new StoreUnavailableError('down')
    expect(classifyInsertError(e)).toBe(e)
  })

  test('reads codes from any error shape (chdb and the HTTP client have separate classes)', () => {
    expect(clickhouseCode({ code: '41' })).toBe(41)
    expect(clickhouseCode({ code: 41 })).toBe(41)
    expect(clickhouseCode({ code: 'ECONNRESET' })).toBeUndefined()
    expect(clickhouseCode(null)).toBeUndefined()
  })

  test('recognises a missing table or database so the writer can re-create it', () => {
    expect(isMissingTable(chError(60))).toBe(true)
    expect(isMissingTable(chError(81))).toBe(true)
    expect(isMissingTable(chError(117))).toBe(false)
  })

  test('no code is both a reject and a retry', () => {
    for (const code of REJECT_CODES.keys()) expect(RETRY_CODES.has(code)).toBe(false)
  })
})
