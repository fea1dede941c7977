// The console's SQL is built from checked names and numbers only, and its histogram stays small.
import { describe, expect, test } from 'bun:test'
import { bucketSeconds, datasetTable, eventsSql, HISTOGRAM_BUCKETS, histogramSql, NOT_AHEAD_OF_NOW, tailSql } from '../../src/query/console-queries'

describe('console queries', () => {
  test('a dataset name that the ingest route would refuse never becomes SQL', () => {
    for (const name of ['', 'a`b', 'a.b', '_dead_letter', 'a b', "a'", 'x'.repeat(65), 'logs;DROP']) expect(() => datasetTable('sluice', name)).toThrow()
    expect(datasetTable('sluice', 'my-logs_1')).toBe('`sluice`.`my-logs_1`')
  })

  test('a histogram has at most HISTOGRAM_BUCKETS buckets of a readable width, whatever the range', () => {
    for (const spanMs of [1, 999, 60_000, 3_600_000, 86_400_000, 30 * 86_400_000, 400 * 365 * 86_400_000]) {
      const step = bucketSeconds({ fromMs: 0, toMs: spanMs })
      expect(spanMs / 1000 / step).toBeLessThanOrEqual(HISTOGRAM_BUCKETS)
    }
    expect(bucketSeconds({ fromMs: 0, toMs: 3_600_000 })).toBe(60)
  })

  test('range bounds are written as integers, so a fraction or an exponent cannot reach the SQL text', () => {
    const sql = eventsSql('sluice', 'logs', { fromMs: 1.5e3 + 0.25, toMs: 2e3 + 0.75 })
    expect(sql).toContain('toInt64(1500)')
    expect(sql).toContain('toInt64(2001)')
    expect(histogramSql('sluice', 'logs', { fromMs: 0, toMs: 60_000 }, 1)).toContain('INTERVAL 1 SECOND')
    expect(() => eventsSql('sluice', 'logs', { fromMs: 0, toMs: 1e300 })).toThrow()
    expect(() => eventsSql('sluice', 'logs', { fromMs: NaN, toMs: 1 })).toThrow()
  })

  test('the newest events (tail, first page) are those not stamped ahead of now; a range takes what it says', () => {
    expect(tailSql('sluice', 'logs', 200)).toContain(`AND ${NOT_AHEAD_OF_NOW} ORDER BY _timestamp DESC`)
    expect(eventsSql('sluice', 'logs', undefined)).toContain(`WHERE ${NOT_AHEAD_OF_NOW} ORDER BY _timestamp DESC`)
    expect(eventsSql('sluice', 'logs', { fromMs: 0, toMs: 1 })).not.toContain(NOT_AHEAD_OF_NOW)
  })
})
