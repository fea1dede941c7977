// The console (GET /): the page and its bundled assets, and the JSON and event-stream endpoints it
// reads, every one of them behind a query key (never an ingest key) and run through the query
// sandbox. Queries typed by a person go to POST /query itself.
import { Elysia } from 'elysia'
import { consoleBundle } from '../console/bundle'
import { isValidDataset } from '../datasets'
import { SluiceError } from '../errors'
import type { Logger } from '../log'
import type { TimeRange } from '../query/console-queries'
import { ConsoleReader } from '../query/console-reader'
import { LiveTails, type TailLimits } from '../query/live-tail'
import type { QueryRunner } from '../query/run-query'
import { AccessKeys, type ApiKeys } from './api-keys'
import { badDataset, errorAnswer, noClickHouse, queryKeyRefused, tooManyRequests } from './error-answers'
import { json, statusResponse } from './responses'
import { otlpExamples } from './otlp-examples'
import { sendExamples, type SendExampleTarget } from './send-examples'
import type { ConsoleExamples } from '../query/console-answers'

/** The Send page's examples: programs for the Events API, and OpenTelemetry set-up. */
const examplesFor = (target: SendExampleTarget): ConsoleExamples => ({ ...sendExamples(target), opentelemetry: otlpExamples(target) })

export interface ConsoleOptions {
  /** The database holding the dataset tables (CLICKHOUSE_DATABASE). */
  database: string
  /** An ingest key to write into the send examples (ingest keys are public); unset: a placeholder. */
  exampleIngestKey?: string
  tailLimits?: TailLimits
}

export interface ConsoleRoutesDependencies {
  keys: ApiKeys
  queryKeys: ApiKeys
  runner: QueryRunner | undefined
  logger: Logger
  /** Unset (CONSOLE_ENABLED=false, or a test app): no console routes at all. */
  console?: ConsoleOptions
}

/** The page may load only what sluice serves; CodeMirror and uPlot set inline styles. No framing (clickjacking). */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}
const NO_STORE = { 'cache-control': 'no-store' }

/** Seconds a client is told to wait when every live tail of the node is taken. */
const TAIL_RETRY_AFTER_SECONDS = 5

export function consoleRoutes(deps: ConsoleRoutesDependencies) {
  const app = new Elysia({ name: 'console' })
  const options = deps.console
  if (!options) return app
  const access = new AccessKeys(deps.keys, deps.queryKeys)
  const reader = deps.runner ? new ConsoleReader(deps.runner, options.database) : undefined
  const tails = reader ? new LiveTails(reader, options.tailLimits) : undefined

  /** The refusal of a request for `dataset` (no query key, not a dataset name, no ClickHouse here), or undefined. */
  const refusal = (request: Request, dataset: string | undefined): Response | undefined => {
    const kind = access.kindOf(request.headers.get('x-api-key'))
    if (kind !== 'query') return queryKeyRefused(kind)
    if (dataset !== undefined && !isValidDataset(dataset)) return badDataset(dataset)
    if (!reader) return noClickHouse()
    return undefined
  }

  /** Runs `read` for a request holding a query key, answering JSON or the error as /query would. */
  const answer = async (request: Request, dataset: string | undefined, read: (reader: ConsoleReader) => Promise<unknown>): Promise<Response> => {
    const refused = refusal(request, dataset)
    if (refused) return refused
    try {
      return json(200, await read(reader!), NO_STORE)
    } catch (error) {
      return errorAnswer(error, { logger: deps.logger, what: 'console read' })
    }
  }

  return app
    .get('/', async () => new Response((await consoleBundle()).html, { headers: PAGE_HEADERS }))
    .get('/console/:asset', async ({ params, request }) => {
      const asset = (await consoleBundle()).assets.get(params.asset)
      // A path under /console that is no asset (`/console/api` among them) is a page not found.
      if (!asset) return statusResponse(404, { error: `No console asset is named ${JSON.stringify(params.asset.slice(0, 100))}.` })
      const headers = { 'content-type': asset.type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', vary: 'accept-encoding' }
      if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) return new Response(asset.gzipped, { headers: { ...headers, 'content-encoding': 'gzip' } })
      return new Response(asset.body, { headers })
    })
    .get('/console/api/session', ({ request }) => answer(request, undefined, async () => ({ database: options.database })))
    .get('/console/api/datasets', ({ request }) => answer(request, undefined, (r) => r.datasets(request.signal)))
    .get('/console/api/datasets/:dataset/fields', ({ request, params }) => answer(request, params.dataset, (r) => r.fields(params.dataset, request.signal)))
    .get('/console/api/datasets/:dataset/histogram', ({ request, params, query }) =>
      answer(request, params.dataset, async (r) => {
        const range = rangeOf(query) ?? (await r.span(params.dataset, request.signal))
        return range ? r.histogram(params.dataset, widen(range), request.signal) : null
      }),
    )
    .get('/console/api/datasets/:dataset/events', ({ request, params, query }) => answer(request, params.dataset, (r) => r.events(params.dataset, rangeOf(query), request.signal)))
    .get('/console/api/datasets/:dataset/examples', ({ request, params }) =>
      answer(request, params.dataset, async () =>
        examplesFor({ baseUrl: new URL(request.url).origin, dataset: params.dataset, apiKey: options.exampleIngestKey ?? '<your ingest key>' }),
      ),
    )
    .get('/console/api/datasets/:dataset/tail', ({ request, params }) => {
      // A stream read with fetch, so the key travels in a header and never in a URL that lands in logs.
      const refused = refusal(request, params.dataset)
      if (refused) return refused
      // tails exists whenever reader does, and refusal() answered 503 without one.
      const stream = tails!.start(params.dataset, request.signal)
      if (!stream) return tooManyRequests(`${tails!.limits.maxConcurrent} live tails are open on this node, as many as it runs at once: close one, or retry later.`, TAIL_RETRY_AFTER_SECONDS)
      return new Response(stream, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
    })
}

/** DateTime64(3) holds years 1900 to 2299 (https://clickhouse.com/docs/sql-reference/data-types/datetime64). */
const EARLIEST_MS = Date.UTC(1900, 0, 1)
const LATEST_MS = Date.UTC(2299, 11, 31)

/** A range the client asked for that no event time can fall in: a client error, answered 400. */
class RangeOutsideTimesError extends SluiceError {
  readonly code = 'RANGE_OUTSIDE_TIMES'
  readonly status = 400
  readonly retryable = false
}

/**
 * `from` and `to` (ms since the epoch) from the query string: undefined when either is missing or
 * not a number, or `to` is not after `from` (the console then shows its default). Each is clamped to
 * what DateTime64 holds BEFORE the two are compared: a range wholly outside those years is refused
 * (400), not passed on as from > to or as numbers SQL cannot be written with.
 */
function rangeOf(query: Record<string, string | undefined>): TimeRange | undefined {
  if (query.from === undefined || query.to === undefined) return undefined
  const fromMs = Number(query.from)
  const toMs = Number(query.to)
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) return undefined
  const range = { fromMs: Math.max(EARLIEST_MS, fromMs), toMs: Math.min(LATEST_MS, toMs) }
  if (range.toMs <= range.fromMs) {
    throw new RangeOutsideTimesError(
      `from=${query.from.slice(0, 40)} to=${query.to.slice(0, 40)} lies outside the times an event can have (ms since the epoch, years 1900 to 2299): ask for a range within them.`,
    )
  }
  return range
}

/** A dataset's span, end exclusive, with a little room so one event still makes a bar. */
const widen = (range: TimeRange): TimeRange => (range.toMs - range.fromMs < 60_000 ? { fromMs: range.fromMs - 30_000, toMs: range.toMs + 30_000 } : { fromMs: range.fromMs, toMs: range.toMs + 1 })
