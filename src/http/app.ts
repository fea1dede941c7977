// The HTTP application: every route group composed, the request surface around them (CORS on /v1,
// latency, access log), unknown paths answered as the spec asks; and the one way sluice listens
// (alone on its port).
import { Elysia } from 'elysia'
import { SluiceError } from '../errors'
import type { Logger } from '../log'
import { consoleRoutes, type ConsoleRoutesDependencies } from './console-routes'
import { errorAnswer } from './error-answers'
import { eventsRoute, type EventsRouteDependencies } from './events-route'
import { opsRoutes, type OpsRoutesDependencies } from './ops-routes'
import { otlpRoutes, type OtlpRouteDependencies } from './otlp-route'
import { queryRoute, type QueryRouteDependencies } from './query-route'
import { statusResponse } from './responses'
import type { IngestOutcome } from '../ingest/ingest-request'
import type { CorsOrigins } from '../cors-origins'
import { CorsPolicy } from './cors'
import { AllowedMethods, notFoundAnswer } from './not-found'
import { apiReference } from './openapi'
import { requestSurface } from './request-surface'

export type AppDependencies = EventsRouteDependencies & OtlpRouteDependencies & QueryRouteDependencies & OpsRoutesDependencies & ConsoleRoutesDependencies & { logger: Logger }

export interface SurfaceOptions {
  /** Origins whose pages may send events from a browser (CORS_ORIGINS); default `*`: the ingest key is public. */
  corsOrigins?: CorsOrigins
}

export function createApp(deps: AppDependencies & SurfaceOptions) {
  // The access log reports each request's events; recorded only when it is on (debug).
  const outcomes = deps.logger.isLevelEnabled('debug') ? new WeakMap<object, IngestOutcome>() : undefined
  const ingest: AppDependencies['ingest'] = outcomes
    ? (request) => deps.ingest(request).then((outcome) => (request.body instanceof Request && outcomes.set(request.body, outcome), outcome))
    : deps.ingest
  // The path starts at the first `/` after `http://`: Elysia's default skips 11 characters, which
  // misroutes any host shorter than 4 (Host: api). route-names.ts reads the path the same way.
  const app = new Elysia({ handler: { standardHostname: false } })
  const allowed = new AllowedMethods(() => app.routes)
  return app
    .wrap(requestSurface({ metrics: deps.metrics, logger: deps.logger, cors: new CorsPolicy(deps.corsOrigins ?? '*'), outcomes }) as never)
    // First of the error hooks: a path no route takes is 400, 404 or 405 (not-found.ts), never a 500.
    .onError(({ code, request }) => (code === 'NOT_FOUND' ? notFoundAnswer(request, allowed) : undefined))
    .use(apiReference())
    .use(eventsRoute({ ...deps, ingest }))
    .use(otlpRoutes(deps))
    .use(queryRoute(deps))
    .use(opsRoutes(deps))
    .use(consoleRoutes(deps))
    .onError(({ code, error }) => {
      if (code === 'PARSE' || code === 'VALIDATION') return statusResponse(400, { error: String((error as Error).message ?? error) })
      // What no route answered itself: answered as the routes would, and logged when unexpected.
      return errorAnswer(error, { logger: deps.logger, what: 'unhandled HTTP request', fields: { code } })
    })
}

/** PORT is taken by another process. */
export class PortInUseError extends SluiceError {
  readonly code = 'PORT_IN_USE'
  readonly status = 500
  readonly retryable = false
  constructor(port: number, options?: { cause?: unknown }) {
    super(`PORT ${port} is already in use by another process (another sluice?). Stop it, or set PORT to a free port.`, options)
  }
}

type ListenOptions = { port: number; hostname: string; maxRequestBodySize: number; /** Share the port with sluice's other ingest processes (INGEST_PROCESSES). */ shared?: boolean }

/**
 * Listens without SO_REUSEPORT. Elysia turns it on by default, and with it a second sluice on the
 * same port binds silently and the kernel splits connections between two servers with different
 * keys; without it, a taken port fails here (EADDRINUSE), as a daemon should. Only sluice's own
 * extra ingest processes share a port (`shared`), after the first one found it free.
 */
export function listenExclusive(app: ReturnType<typeof createApp>, options: ListenOptions): NonNullable<ReturnType<typeof createApp>['server']> {
  try {
    const { shared, ...listen } = options
    app.listen({ ...listen, reusePort: shared === true })
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') throw new PortInUseError(options.port, { cause: err })
    throw err
  }
  return app.server!
}

/** Fails fast, before slow start-up work, when `port` is taken (listenExclusive still decides). */
export function assertPortFree(port: number, hostname = '0.0.0.0'): void {
  try {
    Bun.serve({ port, hostname, reusePort: false, fetch: () => new Response(null, { status: 503 }) }).stop(true)
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') throw new PortInUseError(port, { cause: err })
    throw err
  }
}
