// A careful client under load: distinct event ids, and every request retried with the SAME body
// and Idempotency-Key until it is answered 202 or 4xx (a 503 or a dropped connection may mean some
// of it is stored already). Fault tests compare what it was told with what ClickHouse holds.

export interface LoadOptions {
  /** Base URLs of ingest nodes; a retry goes to the next one. */
  urls: string[]
  key: string
  dataset: string
  workers?: number
  eventsPerRequest?: number
  /** Every n-th request holds only invalid events (refused with 400; none of them may land). */
  invalidEvery?: number
  /** One attempt's limit: a hung server must not hang the client. */
  attemptTimeoutMs?: number
}

export interface LoadReport {
  requests: number
  /** Events in requests answered 202. */
  accepted: number
  /** Events in requests answered 4xx. */
  refused: number
  /** Attempts that got a 5xx or no answer and were retried. */
  retries: number
  /** Requests never answered 202 or 4xx before the settle deadline (must be 0). */
  unresolved: number
  statuses: Record<string, number>
}

export interface RunningLoad {
  /** Starts no new requests; resolves when every started one is answered or settleMs passes. */
  finish(settleMs: number): Promise<LoadReport>
  /** Requests answered so far. */
  readonly answered: number
}

export const eventId = (request: number, i: number) => `e-${request}-${i}`

export function startLoad(options: LoadOptions): RunningLoad {
  const { urls, key, dataset } = options
  const workers = options.workers ?? 4
  const perRequest = options.eventsPerRequest ?? 50
  const invalidEvery = options.invalidEvery ?? 10
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000
  const report: LoadReport = { requests: 0, accepted: 0, refused: 0, retries: 0, unresolved: 0, statuses: {} }
  let next = 0
  let stopped = false
  let giveUpAt = Number.POSITIVE_INFINITY
  let answered = 0

  const bodyOf = (r: number) => {
    const invalid = invalidEvery > 0 && r % invalidEvery === invalidEvery - 1
    // `duration` must be a number: a string makes the event invalid, so the whole request is refused.
    const events = Array.from({ length: perRequest }, (_, i) => (invalid ? { eid: `bad-${r}-${i}`, duration: 'slow' } : { eid: eventId(r, i), message: `load ${r}/${i}`, level: 'info', n: i }))
    return JSON.stringify(events)
  }

  const send = async (r: number) => {
    const body = bodyOf(r)
    const headers = { 'x-api-key': key, 'content-type': 'application/json', 'idempotency-key': `load-${dataset}-${r}` }
    for (let attempt = 0; ; attempt++) {
      const url = urls[(r + attempt) % urls.length]!
      let status = 0
      try {
        const res = await fetch(`${url}/v1/${dataset}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(attemptTimeoutMs) })
        status = res.status
        await res.arrayBuffer()
      } catch {
        status = 0 // refused, reset or timed out: unknown outcome, retry the same
      }
      report.statuses[status] = (report.statuses[status] ?? 0) + 1
      if (status === 202) return (report.accepted += perRequest)
      if (status >= 400 && status < 500) return (report.refused += perRequest)
      if (Date.now() >= giveUpAt) return report.unresolved++
      report.retries++
      await Bun.sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)))
    }
  }

  const worker = async () => {
    while (!stopped) {
      const r = next++
      report.requests++
      await send(r)
      answered++
    }
  }
  const running = Promise.all(Array.from({ length: workers }, worker))

  return {
    get answered() {
      return answered
    },
    async finish(settleMs) {
      stopped = true
      giveUpAt = Date.now() + settleMs
      await running
      return report
    },
  }
}

/** Waits until `answered` grows by n (the load is really flowing), or timeoutMs. */
export async function waitForProgress(load: RunningLoad, n: number, timeoutMs = 20_000): Promise<void> {
  const target = load.answered + n
  const deadline = Date.now() + timeoutMs
  while (load.answered < target && Date.now() < deadline) await Bun.sleep(20)
  if (load.answered < target) throw new Error(`load made no progress: ${load.answered} of ${target} requests answered`)
}

export interface Landed {
  rows: number
  ids: number
  eids: number
  /** Rows of events that were answered 400 (must be 0). */
  refusedRows: number
}

/** What the dataset's table holds, through a query function (POST /query of some sluice). */
export async function landed(query: (sql: string) => Promise<Record<string, unknown>[]>, database: string, dataset: string): Promise<Landed> {
  const sql = `SELECT count() AS rows, uniqExact(_id) AS ids, uniqExact(JSONExtractString(_raw, 'eid')) AS eids, countIf(startsWith(JSONExtractString(_raw, 'eid'), 'bad-')) AS refusedRows FROM ${database}.\`${dataset}\``
  try {
    const [row] = await query(sql)
    return { rows: Number(row!.rows), ids: Number(row!.ids), eids: Number(row!.eids), refusedRows: Number(row!.refusedRows) }
  } catch (err) {
    if (/UNKNOWN_TABLE|UNKNOWN_DATABASE|does not exist/.test(String(err))) return { rows: 0, ids: 0, eids: 0, refusedRows: 0 }
    throw err
  }
}

/**
 * Waits until `expected` rows have landed and the stream is `drained` (every message written and
 * acknowledged: none is left to come back as a duplicate), or timeoutMs; returns the final figures.
 */
export async function settle(read: () => Promise<Landed>, expected: number, timeoutMs: number, drained: () => Promise<boolean>): Promise<Landed> {
  const deadline = Date.now() + timeoutMs
  const done = async () => ((await read().catch(() => undefined))?.rows ?? 0) >= expected && (await drained().catch(() => false))
  while (!(await done()) && Date.now() < deadline) await Bun.sleep(200)
  return await read()
}
