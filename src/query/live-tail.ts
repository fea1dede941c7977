// The console's live tail: a Server-Sent Events stream of a dataset's new events, polled from
// ClickHouse through the query sandbox. Bounded: tails at once per node, rows per poll, and a
// lifetime; a tail ends when its client goes away.
import { sleep } from '../abortable-sleep'
import type { ConsoleEvent, ConsoleReader } from './console-reader'

export interface TailLimits {
  /** Tails at once on this node; one more is refused (429). */
  maxConcurrent: number
  /** Rows one poll reads; when a poll is full, events may have been skipped and the stream says so. */
  rowsPerPoll: number
  pollMs: number
  /** A tail ends after this long (the console reconnects), so a forgotten tab does not poll forever. */
  maxLifetimeMs: number
  /** Bytes queued for a client that does not read; past them the tail stops polling until it does. */
  maxQueuedBytes: number
  /** A client that reads nothing for this long is dropped. */
  stalledClientMs: number
}

export const DEFAULT_TAIL_LIMITS: TailLimits = { maxConcurrent: 4, rowsPerPoll: 200, pollMs: 1000, maxLifetimeMs: 30 * 60 * 1000, maxQueuedBytes: 4 * 1024 * 1024, stalledClientMs: 30_000 }

/** Events sent when a tail opens, so a person sees at once that it works. */
const BACKLOG_EVENTS = 10

const encoder = new TextEncoder()
/** https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation */
const sse = (event: string, data: unknown): Uint8Array => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)

export class LiveTails {
  private open = 0

  constructor(
    private readonly reader: ConsoleReader,
    readonly limits: TailLimits = DEFAULT_TAIL_LIMITS,
  ) {}

  get active(): number {
    return this.open
  }

  /** The event stream of `dataset`, or undefined when this node already runs its maximum of tails. */
  start(dataset: string, clientGone: AbortSignal): ReadableStream<Uint8Array> | undefined {
    if (this.open >= this.limits.maxConcurrent) return undefined
    this.open++
    const stop = new AbortController()
    const onGone = () => stop.abort()
    clientGone.addEventListener('abort', onGone, { once: true })
    let released = false
    const release = () => {
      if (released) return
      released = true
      this.open--
      clientGone.removeEventListener('abort', onGone)
      stop.abort()
    }
    const { reader, limits } = this
    return new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          await pump(controller, reader, dataset, limits, stop.signal)
          controller.close()
        } catch {
          // The client went away while a chunk was being written: nothing left to tell it.
        } finally {
          release()
        }
      },
      cancel() {
        release()
      },
    }, { highWaterMark: limits.maxQueuedBytes, size: (chunk) => chunk?.byteLength ?? 0 })
  }
}

/** Polls `dataset` into the stream until the tail's lifetime ends, its client stalls, or `stop` aborts. */
async function pump(controller: ReadableStreamDefaultController<Uint8Array>, reader: ConsoleReader, dataset: string, limits: TailLimits, stop: AbortSignal): Promise<void> {
  const endAt = Date.now() + limits.maxLifetimeMs
  // Ids of the previous poll's answer: a row is new when it was not in it. The look-back window
  // slides, so the set stays at most rowsPerPoll ids.
  let seen: Set<string> | undefined
  let fullSince: number | undefined
  controller.enqueue(sse('open', { dataset, pollMs: limits.pollMs, rowsPerPoll: limits.rowsPerPoll }))
  while (!stop.aborted && Date.now() < endAt) {
    // A client that does not read must not make sluice hold its events: no poll until it does.
    if ((controller.desiredSize ?? 1) <= 0) {
      fullSince ??= Date.now()
      if (Date.now() - fullSince > limits.stalledClientMs) break
      await sleep(limits.pollMs, stop)
      continue
    }
    fullSince = undefined
    let rows: ConsoleEvent[] | undefined
    try {
      rows = await reader.tail(dataset, limits.rowsPerPoll, stop)
    } catch (error) {
      if (stop.aborted) break
      controller.enqueue(sse('problem', { error: (error as Error).message }))
    }
    if (rows) {
      const fresh = seen === undefined ? rows.slice(0, BACKLOG_EVENTS) : rows.filter((r) => !seen!.has(r.id))
      if (fresh.length > 0) controller.enqueue(sse('events', fresh.reverse()))
      if (seen !== undefined && rows.length >= limits.rowsPerPoll && fresh.length === rows.length) controller.enqueue(sse('skipped', { rowsPerPoll: limits.rowsPerPoll }))
      seen = new Set(rows.map((r) => r.id))
    }
    await sleep(limits.pollMs, stop)
  }
  if (!stop.aborted && fullSince === undefined) controller.enqueue(sse('end', { reason: 'The tail reached its maximum lifetime; reconnect to go on.' }))
}
