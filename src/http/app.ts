// The HTTP application: every route group composed, unknown paths answered as the spec asks; and
// the one way sluice listens (alone on its port).
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { SluiceError } from '../errors'
import type { Logger } from '../log'
import { consoleRoutes, type ConsoleRoutesDependencies } from './console-routes'
import { eventsRoute, type EventsRouteDependencies } from './events-route'
import { opsRoutes, type OpsRoutesDependencies } from './ops-routes'
import { queryRoute, type QueryRouteDependencies } from './query-route'
import { statusResponse } from './responses'

export type AppDependencies = EventsRouteDependencies & QueryRouteDependencies & OpsRoutesDependencies & ConsoleRoutesDependencies & { logger: Logger }

export function createApp(deps: AppDependencies) {
  return new Elysia()
    .use(
      openapi({
        path: '/openapi',
        documentation: { info: { title: 'sluice', version: '1', description: 'Events API: send JSON events, query them with ClickHouse SQL.' } },
      }),
    )
    .use(eventsRoute(deps))
    .use(queryRoute(deps))
    .use(opsRoutes(deps))
    .use(consoleRoutes(deps))
    .onError(({ code, error }) => {
      // The spec: a missing or invalid `v1` or `<dataset>` path parameter is 400 Bad Request.
      if (code === 'NOT_FOUND') return statusResponse(400, { error: 'Unknown path: send events with POST /v1/<dataset>.' })
      if (code === 'PARSE' || code === 'VALIDATION') return statusResponse(400, { error: String((error as Error).message ?? error) })
      deps.logger.error({ err: error, code }, 'unhandled HTTP error')
      return statusResponse(500)
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

type ListenOptions = { port: number; hostname: string; maxRequestBodySize: number }

/**
 * Listens without SO_REUSEPORT. Elysia turns it on by default, and with it a second sluice on the
 * same port binds silently and the kernel splits connections between two servers with different
 * keys; without it, a taken port fails here (EADDRINUSE), as a daemon should.
 */
export function listenExclusive(app: ReturnType<typeof createApp>, options: ListenOptions): NonNullable<ReturnType<typeof createApp>['server']> {
  try {
    app.listen({ ...options, reusePort: false })
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
