// Which route a request path belongs to, for metrics labels and the access log: a fixed, small set
// of names (a label per raw path would let any client grow the metrics without bound).

export const HTTP_ROUTES = ['events', 'cors_preflight', 'query', 'health', 'ready', 'metrics', 'openapi', 'console', 'other'] as const
export type HttpRoute = (typeof HTTP_ROUTES)[number]

/** Offset of the path in an absolute URL (`http://host:port/path`): after the scheme's `//`, the next `/`. */
export function pathStart(url: string): number {
  const at = url.indexOf('/', url.indexOf('//') + 2)
  return at === -1 ? url.length : at
}

/** The path of an absolute URL, without its query (`/v1/logs` of `http://host/v1/logs?x=1`). */
export function pathOf(url: string): string {
  const at = pathStart(url)
  const query = url.indexOf('?', at)
  return url.slice(at, query === -1 ? undefined : query)
}

/** The route of a request URL, read in place (no URL object, no substring). */
export function routeOf(url: string, method: string): HttpRoute {
  const at = pathStart(url)
  if (url.startsWith('/v1/', at) || endsPathAt(url, at, '/v1')) return method === 'OPTIONS' ? 'cors_preflight' : 'events'
  if (endsPathAt(url, at, '/query')) return 'query'
  if (endsPathAt(url, at, '/health')) return 'health'
  if (endsPathAt(url, at, '/ready')) return 'ready'
  if (endsPathAt(url, at, '/metrics')) return 'metrics'
  if (url.startsWith('/openapi', at)) return 'openapi'
  if (endsPathAt(url, at, '/') || url.startsWith('/console', at)) return 'console'
  return 'other'
}

/** Whether the path at `at` is exactly `path` (followed by the end, a query or a fragment). */
function endsPathAt(url: string, at: number, path: string): boolean {
  if (!url.startsWith(path, at)) return false
  const next = url.charCodeAt(at + path.length)
  return Number.isNaN(next) || next === 63 /* ? */ || next === 35 /* # */
}
