// Live tail bounds, with a stand-in for ClickHouse that always has new events (the integration
// test, console-api.test.ts, runs the real thing): a tail stops polling for a client that does not
// read, drops it after a while, stops with its client, and a node runs only so many at once.
import { describe, expect, test } from 'bun:test'
import type { ConsoleEvent, ConsoleReader } from '../../src/query/console-reader'
import { LiveTails, type TailLimits } from '../../src/query/live-tail'

class EndlessEvents {
  polls = 0
  async tail(_dataset: string, rows: number): Promise<ConsoleEvent[]> {
    const poll = ++this.polls
    return Array.from({ length: rows }, (_, i) => ({ ts: Date.now(), service: 's', id: `${poll}-${i}`, raw: 'x'.repeat(10_000), bytes: 10_000 }))
  }
}

const LIMITS: TailLimits = { maxConcurrent: 2, rowsPerPoll: 50, pollMs: 10, maxLifetimeMs: 60_000, maxQueuedBytes: 100_000, stalledClientMs: 300 }

describe('live tails', () => {
  test('stop polling for a client that does not read, and drop it once it has read nothing for stalledClientMs', async () => {
    const events = new EndlessEvents()
    const tails = new LiveTails(events as unknown as ConsoleReader, LIMITS)
    const stream = tails.start('logs', new AbortController().signal)!
    expect(stream).toBeDefined()
    await Bun.sleep(150)
    // One poll (about 500 KB) fills the queue past its 100 KB; none follows while nothing is read.
    expect(events.polls).toBe(1)
    await Bun.sleep(400)
    expect(events.polls).toBe(1)
    expect(tails.active).toBe(0)
  })

  test('a client that reads gets every poll, and leaving stops the polls at once', async () => {
    const events = new EndlessEvents()
    const tails = new LiveTails(events as unknown as ConsoleReader, LIMITS)
    const gone = new AbortController()
    const reader = tails.start('logs', gone.signal)!.getReader()
    let bytes = 0
    const deadline = Date.now() + 300
    while (Date.now() < deadline) bytes += (await reader.read()).value?.byteLength ?? 0
    expect(events.polls).toBeGreaterThan(5)
    expect(bytes).toBeGreaterThan(5 * 50 * 10_000)
    gone.abort()
    await Bun.sleep(50)
    const polls = events.polls
    await Bun.sleep(100)
    expect(events.polls).toBe(polls)
    expect(tails.active).toBe(0)
  })

  test('a node runs at most maxConcurrent tails; a cancelled one frees its place', async () => {
    const tails = new LiveTails(new EndlessEvents() as unknown as ConsoleReader, LIMITS)
    const first = tails.start('logs', new AbortController().signal)!
    const second = tails.start('logs', new AbortController().signal)!
    expect(second).toBeDefined()
    expect(tails.start('logs', new AbortController().signal)).toBeUndefined()
    await first.cancel()
    expect(tails.active).toBe(1)
    const third = tails.start('logs', new AbortController().signal)!
    expect(third).toBeDefined()
    await Promise.all([second.cancel(), third.cancel()])
    expect(tails.active).toBe(0)
  })
})
