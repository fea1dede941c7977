// The embedded query slots: every failure gives its slot back, and a session that failed is never
// reused (chDB hands a failed query's output to the next query on that session).
import { describe, expect, test } from 'bun:test'
import type { ClickHouseClient } from '@clickhouse/client'
import { loadConfig } from '../../src/config'
import { embeddedSessions } from '../../src/store/query-sessions'

const limits = { ...loadConfig({}).query, maxConcurrent: 1, workerThreads: 2 }

/** A stand-in session that records its commands; `failOn` makes a command throw. */
function fakeClient(failOn?: RegExp) {
  const closed = { value: false }
  const client = {
    async command({ query }: { query: string }) {
      if (failOn?.test(query)) throw new Error(`refused: ${query}`)
    },
    async close() {
      closed.value = true
    },
  } as unknown as ClickHouseClient
  return { connection: { client }, client, closed }
}

describe('embedded query sessions', () => {
  test('a session that cannot be opened gives its slot back', async () => {
    let opens = 0
    const sessions = embeddedSessions(() => {
      if (opens++ === 0) throw new Error('cannot open')
      return fakeClient().connection
    }, 'sluice', limits)
    await expect(sessions.acquire()).rejects.toThrow('cannot open')
    const slot = await sessions.acquire()
    expect(slot).toBeDefined()
  })

  test('a session whose set-up failed is closed and not reused, and the slot comes back', async () => {
    const made: ReturnType<typeof fakeClient>[] = []
    const sessions = embeddedSessions(() => {
      const fake = fakeClient(made.length === 0 ? /^SET readonly/ : undefined)
      made.push(fake)
      return fake.connection
    }, 'sluice', limits)
    await expect(sessions.acquire()).rejects.toThrow('refused')
    expect(made[0]!.closed.value).toBe(true)
    const slot = await sessions.acquire()
    expect(slot).toBeDefined()
    expect(made[1]!.closed.value).toBe(false)
  })
})
