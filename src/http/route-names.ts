// Which route a request belongs to, for metrics labels, the access log and the CORS decision: a
// fixed, small set of names (a label per raw path would let any client grow the metrics without
// bound). Read from the path as Elysia's router reads it; the answer renames the few requests the
// path misnames (request-surface.ts): one no route took, and one Bun's own router gave the events
// route under a path that names it only once normalised (`/v1/%2e`).

import type { HttpRoute } from '../http-routes'

export type { HttpRoute }

/** sluice serves plain HTTP, and every URL reaching the router is absolute (request-target.ts). */
const SCHEME = 'http://'
const SLASH = 47

/**
 * Where the router's path starts in a request URL: the first `/` after the scheme, as Elysia's
 * handler finds it with `standardHostname: false` (app.ts; its default skips 11 characters, and so
 * the path's start when the host is shorter than 4). -1: no path.
 */
export const pathStart = (url: string): number => url.indexOf('/', SCHEME.length)

/** Where the router's path ends: at the first `?` after its start, else the URL's end (a `#` is part of it, as the router reads it). */
export function pathEnd(url: string, start: number): number {
  const query = url.indexOf('?', start + 1)
  return query === -1 ? url.length : query
}

/** The path the router matches (`/v1/logs` of `http://host/v1/logs?x=1`). */
export function pathOf(url: string): string {
  const at = pathStart(url)
  return at === -1 ? '' : url.slice(at, pathEnd(url, at))
}

/** The route of a request URL, read in place (no URL object, no substring). */
export function routeOf(url: string, method: string): HttpRoute {
  const at = pathStart(url)
  if (at === -1) return 'other'
  const end = pathEnd(url, at)
  if (isDatasetPath(url, at, end)) return method === 'OPTIONS' ? 'cors_preflight' : 'events'
  if (url.startsWith('/otlp/', at)) return 'otlp'
  if (isPath(url, at, end, '/query')) return 'query'
  if (isPath(url, at, end, '/health')) return 'health'
  if (isPath(url, at, end, '/ready')) return 'ready'
  if (isPath(url, at, end, '/metrics')) return 'metrics'
  if (url.startsWith('/openapi', at)) return 'openapi'
  if (end - at === 1 || url.startsWith('/console/', at)) return 'console'
  return 'other'
}

/** Whether the path in [at, end) is `path`, or `path/` (the router takes a static path with one trailing slash). */
function isPath(url: string, at: number, end: number, path: string): boolean {
  const length = end - at
  return url.startsWith(path, at) && (length === path.length || (length === path.length + 1 && url.charCodeAt(end - 1) === SLASH))
}

/** Whether the path in [at, end) is what `/v1/:dataset` takes: one non-empty segment after `/v1/`, and at most one trailing slash. */
function isDatasetPath(url: string, at: number, end: number): boolean {
  if (!url.startsWith('/v1/', at)) return false
  const from = at + 4
  const slash = url.indexOf('/', from)
  const nameEnd = slash === -1 || slash >= end ? end : slash
  return nameEnd > from && (nameEnd === end || nameEnd === end - 1)
}
