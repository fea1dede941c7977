// What every HTTP request passes through, around the routes: an absolute URL for the router
// (request-target.ts), CORS on /v1/<dataset> (preflights answered here, before routing, so they are
// never a 405), the per-route latency histogram, and the access log at debug level. One Elysia wrap
// (a higher-order function around the whole fetch handler).
import type { IngestOutcome } from '../ingest/ingest-request'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { CorsPolicy } from './cors'
import { answeredByEvents } from './events-route'
import { answeredByNoRoute } from './not-found'
import { withAbsoluteUrl } from './request-target'
import { type HttpRoute, pathOf, routeOf } from './route-names'

type Handle = (request: Request) => Response | Promise<Response>

export interface RequestSurfaceOptions {
  metrics: Metrics
  logger: Logger
  cors: CorsPolicy
  /** Ingest outcomes by HTTP request (ingest's body source), for the access log (filled only when it is on). */
  outcomes?: WeakMap<object, IngestOutcome>
}

/** An Elysia `wrap`: Elysia calls it per request with the same handler, so the wrapped one is built once. */
export function requestSurface(options: RequestSurfaceOptions) {
  let inner: Handle | undefined
  let wrapped: Handle | undefined
  return (fn: Handle): Handle => {
    if (fn !== inner) {
      inner = fn
      wrapped = surround(fn, options)
    }
    return wrapped!
  }
}

function surround(handle: Handle, { metrics, logger, cors, outcomes }: RequestSurfaceOptions): Handle {
  // Decided once: above debug the access log costs nothing per request.
  const accessLog = logger.isLevelEnabled('debug') ? new AccessLog(logger, outcomes) : undefined
  const finish = (request: Request, named: HttpRoute, startedMs: number, response: Response): Response => {
    // Named by the path as the router reads it, and by the answer where that tells more: no route
    // took the request, or the events route took a path that names it only once normalised.
    const route = answeredByEvents(response) ? 'events' : answeredByNoRoute(response) ? 'other' : named
    if (route === 'events' && cors.enabled) cors.decorate(request, response)
    const ms = performance.now() - startedMs
    metrics.observeLatency(route, ms / 1000)
    accessLog?.write(request, route, response, ms)
    return response
  }
  return (received) => {
    const startedMs = performance.now()
    const request = withAbsoluteUrl(received)
    if (request instanceof Response) return finish(received, 'other', startedMs, request)
    const route = routeOf(request.url, request.method)
    if (route === 'cors_preflight') return finish(request, route, startedMs, cors.preflight(request))
    const result = handle(request)
    if (result instanceof Response) return finish(request, route, startedMs, result)
    return result.then((response) => finish(request, route, startedMs, response))
  }
}

/** One debug line per request: enough to explain a refusal (its status and the reason sent back). */
class AccessLog {
  constructor(
    private readonly logger: Logger,
    private readonly outcomes: WeakMap<object, IngestOutcome> | undefined,
  ) {}

  write(request: Request, route: string, response: Response, ms: number): void {
    const lengthIn = request.headers.get('content-length')
    const lengthOut = response.headers.get('content-length')
    // The events route hands ingest the request itself as the body source (body-reader.ts).
    const outcome = this.outcomes?.get(request)
    const line: Record<string, unknown> = {
      method: request.method,
      path: pathOf(request.url),
      route,
      status: response.status,
      ms: Math.round(ms * 10) / 10,
      bytesIn: lengthIn === null ? undefined : Number(lengthIn),
      bytesOut: lengthOut === null ? undefined : Number(lengthOut),
    }
    if (outcome !== undefined) {
      line.bodyBytes = outcome.bodyBytes
      line.accepted = outcome.accepted
      line.rejected = outcome.rejected
    }
    const json = response.headers.get('content-type')?.startsWith('application/json') === true
    const message = `${line.method} ${line.path} ${line.status} in ${line.ms} ms`
    if (json && response.body !== null && (response.status >= 400 || (route === 'events' && lengthOut === null))) {
      // The reason a client was given, read from a copy of the (small) answer, after it is sent.
      void response.clone().text().then((text) => {
        line.bytesOut = Buffer.byteLength(text)
        if (response.status >= 400) line.reason = reasonOf(text)
        this.logger.debug(line, message)
      }, () => this.logger.debug(line, message))
      return
    }
    this.logger.debug(line, message)
  }
}

/** The reason a sluice answer gives: its `error`, else its first invalid event, else its `message`. */
function reasonOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown; invalid?: { index?: unknown; error?: unknown }[] }
    const first = Array.isArray(body.invalid) ? body.invalid[0] : undefined
    const reason =
      typeof body.error === 'string' ? body.error
      : first !== undefined ? `event ${String(first.index)}: ${String(first.error)}`
      : typeof body.message === 'string' ? body.message
      : undefined
    return reason?.slice(0, 500)
  } catch {
    return undefined
  }
}
