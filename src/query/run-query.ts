// Runs a query from POST /query (or `npm run query`): a free slot, the statement gate, then the
// engine's own text of the statement under the slot's limits; ClickHouse's JSON comes back as is.
import { Type as T, type Static } from '@sinclair/typebox'
import { QueryRejectedError, StoreUnavailableError } from '../errors'
import { answerCapBytes, answerTooLarge, limitHit, type QueryLimits } from './limits'
import type { QueryFormat, QuerySessions, QuerySlot } from '../store/query-sessions'
import { admitStatement } from './statement-gate'

/** ClickHouse's JSON output format, as POST /query answers. */
export const QueryResult = T.Object({
  meta: T.Array(T.Object({ name: T.String(), type: T.String() }), { description: 'Column names and ClickHouse types' }),
  data: T.Array(T.Record(T.String(), T.Unknown()), { description: 'One object per row' }),
  rows: T.Integer(),
  statistics: T.Optional(T.Object({ elapsed: T.Number(), rows_read: T.Number(), bytes_read: T.Number() })),
})
export type QueryResult = Static<typeof QueryResult>

/** Seconds a client is told to wait when every query slot is taken. */
export const BUSY_RETRY_AFTER_SECONDS = 1

export class QueryRunner {
  constructor(
    private readonly sessions: QuerySessions,
    private readonly database: string,
    private readonly limits: QueryLimits,
  ) {}

  /** The result as ClickHouse's JSON text; `signal` aborts when the client leaves. */
  async run(sql: string, signal?: AbortSignal): Promise<string> {
    // The embedded engine takes a statement as a C string: a NUL would cut it, and the engine's
    // failure read as an outage (503). No SQL needs one outside a literal, where \0 writes it.
    if (sql.includes('\0')) throw new QueryRejectedError('The query contains a NUL byte; write it as \\0 inside a string literal.', 400)
    let slot: QuerySlot | undefined
    try {
      slot = await this.sessions.acquire()
    } catch (error) {
      throw toQueryError(error, this.limits)
    }
    if (slot === undefined) {
      const { slots, why } = this.sessions.capacity
      throw new QueryRejectedError(`${slots} ${slots === 1 ? 'query is' : 'queries are'} running, as many as this node runs at once (${why}): retry after ${BUSY_RETRY_AFTER_SECONDS} s.`, 429)
    }
    // QUERY_TIMEOUT_MS from outside the engine: at the deadline the query is cancelled where the
    // engine can cancel it (a server), and the client is answered then in every case. The slot is
    // held until the engine has finished: a query that cannot be cancelled still runs, and its
    // slot must not go to another before then.
    const run = slot
    const deadline = AbortSignal.timeout(this.limits.timeoutMs)
    const cancel = signal ? AbortSignal.any([deadline, signal]) : deadline
    let engineFailed = false
    const engine = async (query: string, format: QueryFormat): Promise<string> => {
      try {
        const text = await readAtMost(await run.stream(query, format, cancel), answerCapBytes(this.limits))
        // A cancelled query may end quietly, with part of its output.
        if (cancel.aborted) throw new Error('cancelled')
        if (text === undefined) throw new QueryRejectedError(answerTooLarge(this.limits), 413)
        return text
      } catch (error) {
        engineFailed = true
        throw error
      }
    }
    // The format as a setting, not a clause the client library appends (see EngineText).
    const work = admitStatement((query) => engine(query, 'TabSeparatedRaw'), sql, this.database).then((statement) => engine(statement, 'JSON'))
    void work.then(
      () => this.sessions.release(run, engineFailed),
      () => this.sessions.release(run, engineFailed),
    )
    const cancelled = new Promise<never>((_, reject) => cancel.addEventListener('abort', () => reject(new Error('cancelled')), { once: true }))
    cancelled.catch(() => {})
    try {
      return await Promise.race([work, cancelled])
    } catch (error) {
      if (deadline.aborted) throw new QueryRejectedError(limitHit('159', '', this.limits)!, 413, { cause: error })
      if (signal?.aborted) throw new QueryRejectedError('The client left before the query finished.', 400, { cause: error })
      throw toQueryError(error, this.limits)
    }
  }

  close(): Promise<void> {
    return this.sessions.close()
  }
}

/** ClickHouse's own verdict on the query, in one sentence a person can act on. */
function toQueryError(error: unknown, limits: QueryLimits): Error {
  if (error instanceof QueryRejectedError) return error
  const e = error as { code?: unknown; type?: unknown; message?: string }
  if (typeof e?.code === 'string' && /^\d+$/.test(e.code)) {
    const message = cleanMessage(e.message ?? '')
    const limit = limitHit(e.code, message, limits)
    if (limit) return new QueryRejectedError(limit, 413, { cause: error })
    // 164 READONLY: the query tried to write or change a setting, which the session refuses.
    if (e.code === '164') return new QueryRejectedError(`The query was refused as a write or a settings change: ${message}`, 403, { cause: error })
    if (/Multi-statements are not allowed/.test(message)) return new QueryRejectedError('Send one statement per request; this body has several.', 400, { cause: error })
    return new QueryRejectedError(`ClickHouse refused the query: ${message}${e.type ? ` (${e.type})` : ''}`, 400, { cause: error })
  }
  return new StoreUnavailableError('ClickHouse did not answer the query.', { cause: error })
}

/** The engine's message without the wrapper the gate put around the client's SQL. */
function cleanMessage(message: string): string {
  return message.replace(/:? In scope SELECT formatQuery\([\s\S]*$/, '').replace(/\s+/g, ' ').trim().slice(0, 1000)
}

/** The stream as text, or undefined (the stream given up) once it passes `maxBytes`. */
async function readAtMost(stream: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = []
  let bytes = 0
  // Leaving the loop early ends the iteration, which destroys the stream.
  for await (const chunk of stream) {
    bytes += chunk.byteLength
    if (bytes > maxBytes) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, bytes).toString('utf8')
}
