// What the console reads, run through the QueryRunner exactly as POST /query runs a statement
// (the gate, a query slot, the limits): the console has no way around the sandbox.
import { QueryRejectedError } from '../errors'
import { bucketSeconds, datasetListSql, datasetSpansSql, eventsSql, fieldsSql, histogramSql, tailSql, type TimeRange } from './console-queries'
import type { QueryResult, QueryRunner } from './run-query'
import type { ConsoleEvent, DatasetField, DatasetSummary, Histogram } from './console-answers'

export type { ConsoleEvent, DatasetField, DatasetSummary, Histogram }

/** Spans (first and last time) are read for at most this many datasets per listing, in one statement. */
export const MAX_SPANNED_DATASETS = 100
/** A busy node (every query slot taken, 429) is asked again this many times, this far apart. */
const BUSY_RETRIES = 20
const BUSY_RETRY_MS = 100

type Row = Record<string, unknown>

export class ConsoleReader {
  constructor(
    private readonly runner: QueryRunner,
    private readonly database: string,
  ) {}

  async datasets(signal?: AbortSignal): Promise<DatasetSummary[]> {
    const tables = await this.rows(datasetListSql(this.database), signal)
    const names = tables.map((t) => String(t.name))
    const spanned = names.slice(0, MAX_SPANNED_DATASETS)
    const spans = new Map<string, Row>()
    if (spanned.length > 0) for (const s of await this.rows(datasetSpansSql(this.database, spanned), signal)) spans.set(String(s.dataset), s)
    return tables.map((t) => {
      const events = Number(t.total_rows ?? 0)
      const span = spans.get(String(t.name))
      // min() of no rows is the epoch, not null.
      const has = span !== undefined && events > 0
      return { name: String(t.name), events, bytes: Number(t.total_bytes ?? 0), first: has ? Number(span.first) : null, last: has ? Number(span.last) : null }
    })
  }

  /** First and last event time of one dataset, or undefined when it is empty. */
  async span(dataset: string, signal?: AbortSignal): Promise<TimeRange | undefined> {
    const [row] = await this.rows(datasetSpansSql(this.database, [dataset]), signal)
    const first = Number(row?.first ?? 0)
    // min() of no rows is the epoch.
    return row && first > 0 ? { fromMs: first, toMs: Number(row.last) } : undefined
  }

  async fields(dataset: string, signal?: AbortSignal): Promise<DatasetField[]> {
    const rows = await this.rows(fieldsSql(this.database, dataset), signal)
    return rows.map((r) => ({ path: String(r.path), types: (r.types as string[]).slice().sort() }))
  }

  async histogram(dataset: string, range: TimeRange, signal?: AbortSignal): Promise<Histogram> {
    const stepS = bucketSeconds(range)
    const rows = await this.rows(histogramSql(this.database, dataset, range, stepS), signal)
    // Every bucket of the range, empty ones included, so the chart's time axis is even.
    const start = Math.floor(range.fromMs / 1000 / stepS) * stepS
    const times: number[] = []
    for (let t = start; t * 1000 < range.toMs; t += stepS) times.push(t)
    const index = new Map(times.map((t, i) => [t, i]))
    const byLevel = new Map<string, number[]>()
    for (const r of rows) {
      const i = index.get(Number(r.t))
      if (i === undefined) continue
      const level = String(r.level)
      let counts = byLevel.get(level)
      if (!counts) byLevel.set(level, (counts = new Array<number>(times.length).fill(0)))
      counts[i]! += Number(r.n)
    }
    return { stepS, range, times, series: [...byLevel].map(([level, counts]) => ({ level, counts })) }
  }

  async events(dataset: string, range: TimeRange | undefined, signal?: AbortSignal): Promise<ConsoleEvent[]> {
    return (await this.rows(eventsSql(this.database, dataset, range), signal)).map(toEvent)
  }

  async tail(dataset: string, rows: number, signal?: AbortSignal): Promise<ConsoleEvent[]> {
    return (await this.rows(tailSql(this.database, dataset, rows), signal)).map(toEvent)
  }

  private async rows(sql: string, signal?: AbortSignal): Promise<Row[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (JSON.parse(await this.runner.run(sql, signal)) as QueryResult).data
      } catch (error) {
        // The console shares the node's query slots with POST /query: wait a little for one.
        const busy = error instanceof QueryRejectedError && error.status === 429
        if (!busy || attempt >= BUSY_RETRIES || signal?.aborted) throw error
        await Bun.sleep(BUSY_RETRY_MS)
      }
    }
  }
}

const toEvent = (r: Row): ConsoleEvent => ({ ts: Number(r.ts), service: String(r.service), id: String(r.id), raw: String(r.raw), bytes: Number(r.bytes) })
