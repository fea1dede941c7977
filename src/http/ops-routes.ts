// Operational routes outside /v1: liveness, readiness, Prometheus metrics.
import { Elysia } from 'elysia'
import type { Metrics } from '../metrics'
import { healthOperation, metricsOperation, readyOperation } from './model'
import { json } from './responses'

/** Each service this node uses, reachable or not; one it does not use is not listed. */
export interface Readiness {
  nats: boolean
  clickhouse?: boolean
}

/** /ready answers within this long whatever hangs behind it (each check has its own, shorter, timeout). */
export const READY_TIMEOUT_MS = 2000
const NOT_READY: Readiness = { nats: false, clickhouse: false }

export interface OpsRoutesDependencies {
  metrics: Metrics
  /** Whether each service this node uses is reachable. */
  readiness(): Promise<Readiness>
}

export function opsRoutes(deps: OpsRoutesDependencies) {
  return new Elysia({ name: 'ops' })
    .get('/health', () => json(200, { status: 'ok' }), { detail: healthOperation as never })
    .get(
      '/ready',
      async () => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const late = new Promise<Readiness>((resolve) => (timer = setTimeout(resolve, READY_TIMEOUT_MS, NOT_READY)))
        const ready = await Promise.race([deps.readiness().catch(() => NOT_READY), late]).finally(() => clearTimeout(timer))
        const ok = ready.nats && ready.clickhouse !== false
        return json(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', ...ready })
      },
      { detail: readyOperation as never },
    )
    .get(
      '/metrics',
      async () => new Response(await deps.metrics.registry.metrics(), { headers: { 'content-type': deps.metrics.registry.contentType } }),
      { detail: metricsOperation as never },
    )
}
