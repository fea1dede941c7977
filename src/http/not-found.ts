// Answers for a request no route took: 405 with Allow on a path that exists for other methods;
// 400 under /v1, and for a POST anywhere else (the spec: a missing or invalid `v1` or `<dataset>`
// path parameter is Bad Request, and a POST is an Events API request); 404 elsewhere (a person
// browsing, a probe), with where to look.
import { DATASET_NAME_RULE } from '../datasets'
import { methodNotAllowed } from './error-answers'
import { statusResponse } from './responses'
import { pathOf } from './route-names'

/** Where a lost person should look: the same words in every 404. */
export const WHERE_TO_LOOK = {
  docs: 'GET /openapi (the API reference; the document itself: GET /openapi/json)',
  send: 'POST /v1/<dataset> with a JSON array of events and an ingest key in x-api-key',
  query: 'POST /query with SQL as the body and a query key in x-api-key',
  operations: 'GET /health, GET /ready, GET /metrics',
}

/** Methods each static path answers, read from the app's routes once they are all registered. */
export class AllowedMethods {
  private byPath: Map<string, string> | undefined

  constructor(private readonly routes: () => readonly { method: string; path: string }[]) {}

  /** The Allow value for `path`, or undefined when no route has that path. */
  of(path: string): string | undefined {
    this.byPath ??= this.build()
    return this.byPath.get(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)
  }

  private build(): Map<string, string> {
    const methods = new Map<string, Set<string>>()
    for (const { method, path } of this.routes()) {
      if (path.includes(':') || path.includes('*') || method === 'ALL') continue
      const set = methods.get(path) ?? new Set<string>()
      set.add(method)
      // Elysia answers HEAD wherever it answers GET.
      if (method === 'GET') set.add('HEAD')
      methods.set(path, set)
    }
    return new Map([...methods].map(([path, set]) => [path, [...set].join(', ')]))
  }
}

/** The answers given to requests no route took: the request surface names them `other`, whatever their path looks like. */
const noRouteAnswers = new WeakSet<Response>()

export const answeredByNoRoute = (response: Response): boolean => noRouteAnswers.has(response)

export function notFoundAnswer(request: Request, allowed: AllowedMethods): Response {
  const response = answerFor(request, allowed)
  noRouteAnswers.add(response)
  return response
}

function answerFor(request: Request, allowed: AllowedMethods): Response {
  const path = pathOf(request.url)
  // POST / is an events request missing both path parameters, even where a console serves GET /.
  const allow = path === '/' && request.method === 'POST' ? undefined : allowed.of(path)
  if (allow !== undefined) return methodNotAllowed(allow, `${path} answers ${allow}.`)
  if (path === '/v1' || path.startsWith('/v1/') || request.method === 'POST') {
    return statusResponse(400, { error: `Unknown path ${JSON.stringify(path.slice(0, 100))}: send events with POST /v1/<dataset>, where <dataset> is ${DATASET_NAME_RULE}.` })
  }
  const what = path === '/' ? 'No page is served at / on this node.' : `Nothing is served at ${JSON.stringify(path.slice(0, 100))}.`
  return statusResponse(404, { error: `${what} See ${WHERE_TO_LOOK.docs}.`, see: WHERE_TO_LOOK })
}
