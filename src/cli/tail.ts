// `npm run query -- --watch <dataset>`: a tail from a terminal. Every interval it asks for the rows
// at or after the newest `_timestamp` shown, less an overlap, and prints those whose `_id` it has not
// printed yet. The overlap catches events that land a little out of order (a batch flushed after a
// later one, a client clock a little behind); an event stamped more than the overlap behind the
// newest shown (a client sending old timestamps, events held in JetStream through a ClickHouse
// outage) lands unseen by the tail: query for it. sluice keeps no arrival time, only `_timestamp`.
// An event stamped more than TAIL_AHEAD_MS ahead of now is printed when its time comes, not before:
// the newest shown never counts as later than now, so such an event (anyone holding the public
// ingest key may stamp one up to a day ahead) cannot move the window past every event sent after it.
import { DATASET_NAME_RULE, isValidDataset } from '../datasets'
import { sleep } from '../abortable-sleep'
import { datasetTable, NOT_AHEAD_OF_NOW, TAIL_AHEAD_MS } from '../query/console-queries'
import { stringLiteral } from '../query/statement-gate'
import { csvLine, type Row, type RowFormat } from './rows-format'
import { terminalJson, terminalText } from './terminal-text'

const TAIL_COLUMNS = ['_timestamp', '_service', '_namespace', '_id', '_raw'] as const
/** Rows per poll: a burst larger than this is printed over several polls, in order. */
export const TAIL_PAGE_ROWS = 5000

export interface TailOptions {
  dataset: string
  database: string
  /** A SQL condition on the dataset's columns (`data.level = 'error'`); the server's sandbox applies. */
  where?: string
  format: RowFormat
  intervalMs: number
  overlapMs: number
  /** Rows shown at start, the newest ones. */
  initialRows: number
  print(text: string): void
  /** Told once while the dataset has no table yet. */
  notice(text: string): void
  signal: AbortSignal
}

/** Runs SQL on /query: the rows, or an error whose message is the server's. */
export type Ask = (sql: string) => Promise<Row[]>

/** The dataset has no table yet (no event has landed). */
export class MissingTableError extends Error {}
/** sluice cannot answer now (unreachable, restarting, busy): the tail waits and asks again. */
export class TransientError extends Error {}

export async function tail(ask: Ask, o: TailOptions): Promise<void> {
  if (!isValidDataset(o.dataset)) throw new Error(`"${o.dataset}" is not a dataset name: ${DATASET_NAME_RULE}`)
  const table = datasetTable(o.database, o.dataset)
  const filter = o.where ? ` AND (${o.where})` : ''
  const columns = TAIL_COLUMNS.join(', ')
  const seen = new Map<string, string>()
  let newest: string | undefined
  /**
   * After a full page: continue strictly after its last row, by (_timestamp, _id), so a burst (one
   * request's events share its arrival time) cannot stall the tail on one millisecond.
   */
  let after: Row | undefined
  let header = o.format === 'csv'
  let waitingTold = false

  const show = (rows: Row[]): void => {
    const fresh = rows.filter((r) => !seen.has(String(r._id)))
    for (const r of fresh) {
      seen.set(String(r._id), String(r._timestamp))
      if (newest === undefined || String(r._timestamp) > newest) newest = String(r._timestamp)
    }
    if (fresh.length === 0) return
    if (header) o.print(csvLine(TAIL_COLUMNS)), (header = false)
    for (const r of fresh) o.print(line(r, o.format))
  }

  let outage: string | undefined
  const run = async (sql: string): Promise<Row[] | undefined> => {
    try {
      const rows = await ask(sql)
      if (outage !== undefined) o.notice('sluice answers again'), (outage = undefined)
      return rows
    } catch (error) {
      if (error instanceof TransientError) {
        if (outage === undefined) o.notice(`${error.message}; asking again every ${o.intervalMs} ms`)
        outage = error.message
        return undefined
      }
      if (!(error instanceof MissingTableError)) throw error
      if (!waitingTold) o.notice(`waiting for the first event of ${o.dataset} (${table} does not exist yet)`), (waitingTold = true)
      return undefined
    }
  }

  const initial = await run(`SELECT ${columns} FROM ${table} WHERE ${NOT_AHEAD_OF_NOW}${filter} ORDER BY _timestamp DESC, _id DESC LIMIT ${o.initialRows}`)
  if (initial) show(initial.reverse())
  while (!o.signal.aborted) {
    await sleep(o.intervalMs, o.signal)
    if (o.signal.aborted) break
    const window =
      after !== undefined ? `(_timestamp, _id) > (toDateTime64(${quote(after._timestamp)}, 3), ${quote(after._id)})`
      : newest === undefined ? `_timestamp >= now64(3) - toIntervalMillisecond(${o.overlapMs})`
      : `_timestamp >= least(toDateTime64(${quote(newest)}, 3), now64(3)) - toIntervalMillisecond(${o.overlapMs})`
    const rows = await run(`SELECT ${columns} FROM ${table} WHERE ${window} AND ${NOT_AHEAD_OF_NOW}${filter} ORDER BY _timestamp, _id LIMIT ${TAIL_PAGE_ROWS}`)
    if (rows === undefined) continue
    show(rows)
    after = rows.length === TAIL_PAGE_ROWS ? rows[rows.length - 1] : undefined
    // Rows below every window still to come can never come back: forget them, so memory follows the
    // overlap, not the tail's age. A window starts at least(newest, now) less the overlap; newest only
    // grows, and is never more than TAIL_AHEAD_MS ahead of the server's now, so every window to come
    // starts at or after newest less the overlap less TAIL_AHEAD_MS (both read from the server: this
    // machine's clock plays no part).
    if (newest !== undefined) {
      const floor = msOf(newest) - o.overlapMs - TAIL_AHEAD_MS - 1000
      for (const [id, ts] of seen) if (msOf(ts) < floor) seen.delete(id)
    }
  }
}

/** A ClickHouse DateTime64 as JSON gives it ('2026-01-02 03:04:05.678'), as milliseconds (read as UTC: only differences matter). */
const msOf = (timestamp: string): number => Date.parse(`${timestamp.replace(' ', 'T')}Z`)

/** A value of a row read back, as a SQL string literal. */
const quote = (value: unknown): string => stringLiteral(String(value))

function line(row: Row, format: RowFormat): string {
  switch (format) {
    case 'json':
    case 'ndjson':
      return terminalJson(JSON.stringify(row))
    case 'csv':
      return csvLine(TAIL_COLUMNS.map((c) => row[c]))
    case 'table':
      // A person reads the time, the service and the event as it was sent, control characters escaped.
      return terminalText(`${row._timestamp}  ${row._service || '-'}  ${row._raw}`)
  }
}
