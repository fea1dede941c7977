// The console's calls to sluice, each with the query key in the x-api-key header. The key lives in
// sessionStorage only: it leaves with the tab, and never goes into a URL.

// The answers' shapes are the server's own: type-only imports, so nothing of the server is bundled.
import type { ConsoleEvent, ConsoleExamples, DatasetField, DatasetSummary, Histogram, SendExamples, TimeRange } from '../../query/console-answers'

export type { ConsoleEvent, DatasetField, DatasetSummary, Histogram, SendExamples, TimeRange }

const KEY_ITEM = 'sluice.queryKey'

export const storedKey = (): string | null => sessionStorage.getItem(KEY_ITEM)
export const rememberKey = (key: string): void => sessionStorage.setItem(KEY_ITEM, key)
export const forgetKey = (): void => sessionStorage.removeItem(KEY_ITEM)

/** A refusal or failure from sluice, with its sentence (`error`) when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

let onSignedOut: () => void = () => {}
export const whenSignedOut = (callback: () => void): void => void (onSignedOut = callback)

/** fetch with the key; a 429 (every query slot busy) is retried as Retry-After says, a few times. */
async function call(path: string, init: RequestInit = {}, key = storedKey()): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': key ?? '' } })
    if (res.status === 429 && attempt < 10) {
      await res.arrayBuffer()
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)))
      continue
    }
    if (res.ok) return res
    const body = (await res.json().catch(() => ({}))) as { message?: string; error?: string }
    if (res.status === 401 && key === storedKey()) {
      forgetKey()
      onSignedOut()
    }
    throw new ApiError(res.status, body.error ?? body.message ?? `HTTP ${res.status}`)
  }
}

const getJson = async <T>(path: string, signal?: AbortSignal): Promise<T> => (await call(path, { signal })).json() as Promise<T>

export interface QueryAnswer {
  meta: { name: string; type: string }[]
  data: Record<string, unknown>[]
  rows: number
  statistics?: { elapsed: number; rows_read: number; bytes_read: number }
}

/** POST /query: the same sandbox and limits as any client. */
export const runQuery = async (sql: string): Promise<QueryAnswer> => (await call('/query', { method: 'POST', body: sql })).json() as Promise<QueryAnswer>

const ds = (dataset: string) => `/console/api/datasets/${encodeURIComponent(dataset)}`
export const api = {
  session: (key: string) => call('/console/api/session', {}, key).then((r) => r.json() as Promise<{ database: string }>),
  datasets: () => getJson<DatasetSummary[]>('/console/api/datasets'),
  fields: (dataset: string) => getJson<DatasetField[]>(`${ds(dataset)}/fields`),
  histogram: (dataset: string) => getJson<Histogram | null>(`${ds(dataset)}/histogram`),
  events: (dataset: string, range?: TimeRange) =>
    getJson<ConsoleEvent[]>(`${ds(dataset)}/events${range ? `?from=${Math.floor(range.fromMs)}&to=${Math.ceil(range.toMs)}` : ''}`),
  examples: (dataset: string) => getJson<ConsoleExamples>(`${ds(dataset)}/examples`),
  tailPath: (dataset: string) => `${ds(dataset)}/tail`,
}
