// CORS for the Events API only. The spec's ingest key is public (it ships inside browser
// applications), so browsers may send events from the origins in CORS_ORIGINS; /query and
// everything that reads stored data take a secret key and get no CORS headers at all, so a page on
// another origin can never read them through a visitor's browser.
// The rules: https://fetch.spec.whatwg.org/#http-cors-protocol
import type { CorsOrigins } from '../cors-origins'

/** Request headers a browser may send to /v1/<dataset> (the spec's, and sluice's own). */
export const CORS_ALLOWED_HEADERS = ['x-api-key', 'x-service', 'x-namespace', 'idempotency-key', 'content-type', 'content-encoding']
/** Response headers a browser script may read: Retry-After tells it when to send a 503'd batch again. */
export const CORS_EXPOSED_HEADERS = ['retry-after']
/** What /v1/<dataset> answers to, for Allow and Access-Control-Allow-Methods. */
export const EVENTS_ALLOW = 'POST, OPTIONS'
/** Browsers cache a preflight at most this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 7200

export class CorsPolicy {
  private readonly any: boolean
  private readonly allowed: ReadonlySet<string>
  /** Preflight headers that do not depend on the origin, built once. */
  private readonly preflightBase: Record<string, string>

  constructor(origins: CorsOrigins) {
    this.any = origins === '*'
    this.allowed = new Set(origins === '*' ? [] : origins)
    this.preflightBase = {
      allow: EVENTS_ALLOW,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    }
  }

  get enabled(): boolean {
    return this.any || this.allowed.size > 0
  }

  /** The Access-Control-Allow-Origin value for a request from `origin`, or undefined (no CORS). */
  allowOrigin(origin: string | null): string | undefined {
    if (origin === null) return undefined
    if (this.any) return '*'
    return this.allowed.has(origin) ? origin : undefined
  }

  /**
   * The answer to OPTIONS on /v1/<dataset>: 204 with Allow, and the CORS grant when the origin is
   * allowed. It never reaches the route, so a preflight is not a 405.
   */
  preflight(request: Request): Response {
    const origin = this.allowOrigin(request.headers.get('origin'))
    const headers = new Headers(origin === undefined ? { allow: EVENTS_ALLOW } : this.preflightBase)
    if (origin !== undefined) headers.set('access-control-allow-origin', origin)
    // A listed origin is echoed, so caches must keep one answer per Origin.
    if (!this.any) headers.set('vary', 'Origin')
    return new Response(null, { status: 204, headers })
  }

  /** Adds the CORS grant to an events response for an allowed origin (Bun's responses are mutable). */
  decorate(request: Request, response: Response): void {
    if (!this.any) response.headers.append('vary', 'Origin')
    const origin = this.allowOrigin(request.headers.get('origin'))
    if (origin === undefined) return
    response.headers.set('access-control-allow-origin', origin)
    response.headers.set('access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', '))
  }
}
