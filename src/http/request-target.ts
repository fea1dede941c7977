// The URL the routes read. Bun gives a request's URL relative (the bare request target) when the
// request has no Host header, as HTTP/1.0 allows, or an empty one, or one that is not a host.
// Elysia's router, which takes what Bun's own router does not, reads the path from an absolute URL
// (route-names.ts) and finds garbage in a relative one. A Host that is not a host is refused, as
// RFC 9112 (3.2) asks; a request that names no host is given the server's default name (3.3).
import { statusResponse } from './responses'

const DEFAULT_ORIGIN = 'http://localhost'
const SLASH = 47

/** The request, with an absolute URL; or the answer to a request whose Host header is not a host. */
export function withAbsoluteUrl(request: Request): Request | Response {
  if (request.url.charCodeAt(0) !== SLASH) return request
  const host = request.headers.get('host')
  if (host !== null && host !== '') return statusResponse(400, { error: 'The Host header is not a valid host[:port].' })
  // The body, headers and signal go with it (the request is the new one's init); the path
  // parameters Bun's router found, read by the route, are carried over.
  const absolute = new Request(DEFAULT_ORIGIN + request.url, request)
  const params = (request as { params?: unknown }).params
  if (params !== undefined) Object.defineProperty(absolute, 'params', { value: params })
  return absolute
}
