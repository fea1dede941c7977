// Where queries run, at most QUERY_MAX_CONCURRENT at once, each under limits the SQL cannot lift.
// Embedded: one chDB session per slot, each locked once with the limits and readonly=1 (chDB keeps
// SET for the session and runs one query at a time per session, so a slot is a session). Server:
// one HTTP client, the limits and readonly=1 sent with every request (ClickHouse applies them
// before the SQL, whose own SETTINGS are then refused).
//
// A server cancels a query when its signal aborts (the caller's deadline or a client that left):
// it cancels a read-only query whose HTTP connection closes. chDB cannot cancel a single-shot query
// (embedded-store.ts says why sluice uses no other), so there the slot is held until the engine is
// done, which its own max_execution_time ends between blocks.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import { limitSettings, type QueryLimits } from './query-limits'
import { exceptionTag, withStreamException } from './stream-exception'

/** The output formats queries are read in: JSON answers, raw text for the gate's own questions. */
export type QueryFormat = 'JSON' | 'TabSeparatedRaw'

/** Where POST /query runs. */
export interface QueryConnection {
  client: ClickHouseClient
}

/** One place to run one query: the caller holds it until the engine is done with the query. */
export interface QuerySlot {
  /** Runs `query`; the stream ends (or throws) only once the engine has stopped working on it. */
  stream(query: string, format: QueryFormat, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>
}

/**
 * The client's way. `cancels`: the server cancels a query whose request is aborted; chDB's
 * connection would only stop waiting while the engine runs on, so there the request is not aborted.
 */
function clientStream(client: ClickHouseClient, settings: ClickHouseSettings | undefined, cancels: boolean): QuerySlot['stream'] {
  return async (query, format, signal) => {
    const { stream, response_headers } = await client.exec({ query, clickhouse_settings: { ...settings, default_format: format }, abort_signal: cancels ? signal : undefined })
    const tag = exceptionTag(response_headers)
    return tag === undefined ? (stream as AsyncIterable<Uint8Array>) : withStreamException(stream as AsyncIterable<Uint8Array>, tag)
  }
}

export interface QuerySessions {
  /** Queries that may run at once, and why that many (for the 429 answer). */
  readonly capacity: { slots: number; why: string }
  /** A free slot, or undefined when QUERY_MAX_CONCURRENT queries are running. */
  acquire(): Promise<QuerySlot | undefined>
  /** `failed`: the engine threw during the slot's query (see embeddedSessions for why that matters). */
  release(slot: QuerySlot, failed: boolean): void
  close(): Promise<void>
}

/**
 * Embedded: `open` makes a new chDB session; each is set up on first use. A session whose query
 * failed is closed, never reused: chDB (3.4) hands the output a failed query had written so far
 * (JSON's header, rows before a limit hit) to the next query on that session as its result.
 */
export function embeddedSessions(open: () => QueryConnection, database: string, limits: QueryLimits): QuerySessions {
  const idle: { connection: QueryConnection; ready: boolean }[] = []
  const all: QueryConnection[] = []
  let busy = 0
  const slots = new Map<QuerySlot, (typeof idle)[number]>()
  const capacity = embeddedCapacity(limits)
  const track = (connection: QueryConnection) => (all.push(connection), connection)
  const discard = (connection: QueryConnection) => {
    all.splice(all.indexOf(connection), 1)
    void connection.client.close().catch(() => {})
  }
  return {
    capacity,
    async acquire() {
      if (busy >= capacity.slots) return undefined
      busy++
      let session: (typeof idle)[number] | undefined
      try {
        session = idle.pop() ?? { connection: track(open()), ready: false }
        const { client } = session.connection
        if (!session.ready) {
          await client.command({ query: `USE ${database}` })
          // One statement per SET: readonly last, after which this session refuses every change.
          for (const [name, value] of limitSettings(limits)) {
            await client.command({ query: `SET ${name} = ${typeof value === 'number' ? value : `'${value}'`}` })
          }
          session.ready = true
        }
      } catch (error) {
        // The slot is given back whatever failed (opening a session included), and a session
        // whose set-up failed is dropped like one whose query failed.
        busy--
        if (session !== undefined) discard(session.connection)
        throw error
      }
      const slot: QuerySlot = { stream: clientStream(session.connection.client, undefined, false) }
      slots.set(slot, session)
      return slot
    },
    release(slot, failed) {
      const session = slots.get(slot)
      if (session === undefined) return
      slots.delete(slot)
      busy--
      if (!failed) return void idle.push(session)
      discard(session.connection)
    },
    async close() {
      await Promise.all(all.map((c) => c.client.close()))
    },
  }
}

/** Server: one client; the limits travel with each request. */
export function serverSessions(client: ClickHouseClient, limits: QueryLimits): QuerySessions {
  const settings: ClickHouseSettings = {
    ...(Object.fromEntries(limitSettings(limits).map(([name, value]) => [name, typeof value === 'number' ? String(value) : value])) as ClickHouseSettings),
    // A query whose client disconnected is cancelled by the server
    // (https://clickhouse.com/docs/operations/settings/settings#cancel_http_readonly_queries_on_client_close).
    cancel_http_readonly_queries_on_client_close: 1,
  }
  let busy = 0
  const stream = clientStream(client, settings, true)
  return {
    capacity: { slots: limits.maxConcurrent, why: 'QUERY_MAX_CONCURRENT' },
    async acquire() {
      if (busy >= limits.maxConcurrent) return undefined
      busy++
      return { stream }
    },
    release() {
      busy--
    },
    close: () => client.close(),
  }
}

/** Embedded queries run on the runtime's worker threads, as inserts do: they may take all but one. */
export function embeddedCapacity(limits: QueryLimits): { slots: number; why: string } {
  const threads = Math.max(1, limits.workerThreads - 1)
  return threads < limits.maxConcurrent
    ? { slots: threads, why: `UV_THREADPOOL_SIZE=${limits.workerThreads} less one kept for ingest` }
    : { slots: limits.maxConcurrent, why: 'QUERY_MAX_CONCURRENT' }
}
