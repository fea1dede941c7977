// GET /openapi: the API reference page, and GET /openapi/json: the OpenAPI document. The page's
// viewer (Scalar's standalone bundle) is served from node_modules, with everything that would reach
// another host off, so the page works on a machine without internet (test/browser/surface.test.ts
// renders it in a browser cut off from every other host).
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { SECURITY_SCHEMES, eventsOperation, healthOperation, metricsOperation, queryOperation, readyOperation } from './model'
import { otlpOperation } from './otlp-model'

/** Where the viewer's script is served; the page loads it from here instead of a CDN. */
export const VIEWER_SCRIPT_PATH = '/openapi/viewer.js'
const VIEWER_FILE = Bun.resolveSync('@scalar/api-reference/browser/standalone.js', import.meta.dir)

export function apiReference() {
  const viewer = Bun.file(VIEWER_FILE)
  return new Elysia({ name: 'openapi' })
    .use(
      openapi({
        path: '/openapi',
        documentation: {
          info: {
            title: 'sluice',
            version: '1',
            description:
              'The Events API: send JSON events to `POST /v1/{dataset}` (or OpenTelemetry logs and traces to `/otlp/v1/logs`, `/otlp/v1/traces`) with an ingest key; query them with ClickHouse SQL on `POST /query` with a query key. ' +
              'Every event answered 202 lands in ClickHouse exactly once; retry a 503 after Retry-After with the same Idempotency-Key.',
          },
          components: { securitySchemes: SECURITY_SCHEMES },
          // Given whole: the generator would replace the operations' parameters (headers, the dataset
          // pattern) with those it infers from the routes, which declare no schemas (they read raw bodies).
          paths: {
            '/v1/{dataset}': { post: eventsOperation },
            '/otlp/v1/logs': { post: otlpOperation('logs') },
            '/otlp/v1/traces': { post: otlpOperation('traces') },
            '/query': { post: queryOperation },
            '/health': { get: healthOperation },
            '/ready': { get: readyOperation },
            '/metrics': { get: metricsOperation },
          } as never,
          tags: [
            { name: 'Events API', description: 'Send events (the ingest key is public: it sends events and nothing else)' },
            { name: 'OpenTelemetry', description: 'Send OTLP/HTTP logs and traces (protobuf or JSON) with the ingest key: each record becomes an event' },
            { name: 'Query', description: 'Read stored events (the query key is secret)' },
            { name: 'Operations', description: 'Liveness, readiness and Prometheus metrics' },
          ],
        },
        // Each of these reaches a Scalar host: its fonts, its telemetry, and its AI agent (on by
        // default when the page is on localhost; it fetches a registry through proxy.scalar.com).
        scalar: { cdn: VIEWER_SCRIPT_PATH, withDefaultFonts: false, telemetry: false, agent: { disabled: true }, showDeveloperTools: 'never', authentication: { preferredSecurityScheme: 'ingestKey' } } as never,
      }),
    )
    .get(VIEWER_SCRIPT_PATH, () => new Response(viewer, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' } }), {
      detail: { hide: true },
    })
}
