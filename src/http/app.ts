// The HTTP application: every route group composed, unknown paths answered as the spec asks.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { Logger } from '../log'
import { eventsRoute, type EventsRouteDependencies } from './events-route'
import { opsRoutes, type OpsRoutesDependencies } from './ops-routes'
import { queryRoute, type QueryRouteDependencies } from './query-route'
import { statusResponse } from './responses'

export type AppDependencies = EventsRouteDependencies & QueryRouteDependencies & OpsRoutesDependencies & { logger: Logger }

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
    .onError(({ code, error }) => {
      // The spec: a missing or invalid `v1` or `<dataset>` path parameter is 400 Bad Request.
      if (code === 'NOT_FOUND') return statusResponse(400, { error: 'Unknown path: send events with POST /v1/<dataset>.' })
      if (code === 'PARSE' || code === 'VALIDATION') return statusResponse(400, { error: String((error as Error).message ?? error) })
      deps.logger.error({ err: error, code }, 'unhandled HTTP error')
      return statusResponse(500)
    })
}
