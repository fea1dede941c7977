// QUERY_TIMEOUT_MS is enforced from outside the engine: at the deadline the running query is
// cancelled through its signal and the client is answered the timeout's 413 at once, even while
// the engine still finishes its block; the slot is given back only once the engine stopped.
import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import { QueryRejectedError } from '../../src/errors'
import type { QuerySessions, QuerySlot } from '../../src/store/query-sessions'
import { QueryRunner } from '../../src/query/run-query'

const AST = 'SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  SelectQuery (children 1)\n   ExpressionList (children 1)\n    Literal UInt64_1\n'
const encode = (text: string) => new TextEncoder().encode(text)
const once = async function* (text: string) {
  yield encode(text)
}

/** A slot whose statement runs until cancelled, then, as chDB does, ends without an error after `blockMs`. */
function slowSessions(blockMs: number) {
  const events: string[] = []
  const slot: QuerySlot = {
    async stream(query, _format, signal) {
      if (query.startsWith('SELECT formatQuery')) return once('SELECT 1\n')
      if (query.startsWith('EXPLAIN AST')) return once(AST)
      return (async function* () {
        yield encode('{"meta": [], "data": [')
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
        events.push('cancelled')
        await Bun.sleep(blockMs)
        events.push('engine stopped')
      })()
    },
  }
  const sessions: QuerySessions = {
    capacity: { slots: 1, why: 'test' },
    acquire: async () => slot,
    release: (_slot, failed) => void events.push(`released (failed: ${failed})`),
    close: async () => {},
  }
  return { sessions, events }
}

describe('the query deadline', () => {
  test('cancels the running query at QUERY_TIMEOUT_MS and answers 413, releasing the slot after the engine stopped', async () => {
    const limits = { ...loadConfig({}).query, timeoutMs: 300 }
    const { sessions, events } = slowSessions(100)
    const runner = new QueryRunner(sessions, 'sluice', limits)
    const started = performance.now()
    const error = await runner.run('SELECT 1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QueryRejectedError)
    expect((error as QueryRejectedError).status).toBe(413)
    expect((error as Error).message).toContain('QUERY_TIMEOUT_MS=300')
    expect(performance.now() - started).toBeGreaterThanOrEqual(300)
    // Answered at the deadline, before the engine stopped; the slot comes back after it.
    expect(events).toEqual(['cancelled'])
    while (events.length < 3) await Bun.sleep(10)
    expect(events).toEqual(['cancelled', 'engine stopped', 'released (failed: true)'])
  })
  test('a client that leaves cancels the query too', async () => {
    const limits = { ...loadConfig({}).query, timeoutMs: 60_000 }
    const { sessions, events } = slowSessions(10)
    const runner = new QueryRunner(sessions, 'sluice', limits)
    const left = new AbortController()
    setTimeout(() => left.abort(), 50)
    const error = await runner.run('SELECT 1', left.signal).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QueryRejectedError)
    while (events.length < 3) await Bun.sleep(10)
    expect(events).toEqual(['cancelled', 'engine stopped', 'released (failed: true)'])
  })
})
