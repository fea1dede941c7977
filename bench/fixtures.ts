// Shared bench fixtures: realistic, deterministic log events (same bytes on every run and machine).

const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'] as const
const SERVICES = ['checkout', 'payments', 'auth', 'search', 'inventory', 'notifications'] as const
const ROUTES = ['/api/users/:id', '/api/orders', '/api/cart/items', '/v2/search', '/health', '/api/payments/:id/capture'] as const
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'] as const
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'] as const
const CRockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** mulberry32: a tiny seeded PRNG returning [0, 1), good enough for fixtures and fully reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]

function uuid(r: () => number): string {
  let hex = ''
  for (let i = 0; i < 32; i++) hex += Math.floor(r() * 16).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

function ulid(r: () => number): string {
  let s = ''
  for (let i = 0; i < 26; i++) s += CRockford[Math.floor(r() * 32)]
  return s
}

/** Midnight UTC yesterday: the same events all day long, and always within the accepted window. */
const FIXTURE_START_MS = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000

/**
 * Event number i of a stream of log events like an API service emits: ISO timestamp, level,
 * message (some with quotes, newlines or non-ASCII text, which JSON escapes or encodes as
 * multi-byte UTF-8), request id, service, duration and a nested data object. About 300 bytes
 * once serialized.
 */
export function makeLogEvent(i: number): Record<string, unknown> {
  // Recent times, inside ingest's default event time window (EVENT_MAX_PAST_DAYS).
  const r = seededRandom(i * 2654435761)
  const method = pick(r, METHODS)
  const route = pick(r, ROUTES).replace(':id', String(Math.floor(r() * 100000)))
  const status = r() < 0.85 ? 200 : pick(r, [201, 400, 404, 500, 503])
  const duration = Math.round(r() * 250_000) / 1000
  let message = `${method} ${route} ${status} ${duration}ms`
  const flavour = r()
  if (flavour < 0.1) message = `upstream said "rate limited" for ${route}\n  retrying in ${Math.ceil(duration)}ms`
  else if (flavour < 0.15) message = `TypeError: Cannot read property "id" of undefined\n    at handler (src/${pick(r, SERVICES)}.ts:${Math.floor(r() * 400)}:17)`
  else if (flavour < 0.18) message = `utilisateur « café » connecté — 東京 🚀`
  return {
    timestamp: new Date(FIXTURE_START_MS + i * 37 + Math.floor(r() * 1000)).toISOString(),
    level: status >= 500 ? 'error' : pick(r, LEVELS),
    message,
    requestId: uuid(r),
    service: pick(r, SERVICES),
    duration,
    data: { userId: ulid(r), path: route, status, region: pick(r, REGIONS), cached: r() < 0.3 },
  }
}

/** A JSON array of makeLogEvent(0), makeLogEvent(1), ... as UTF-8, stopping before it would exceed targetBytes. */
export function makeLogEvents(targetBytes: number): Uint8Array {
  return jsonArray(targetBytes, makeLogEvent)
}

/** A JSON array of `make(0)`, `make(1)`, ... as UTF-8, stopping before it would exceed targetBytes. */
export function jsonArray(targetBytes: number, make: (i: number) => unknown): Uint8Array {
  const parts: string[] = []
  let bytes = 2
  for (let i = 0; ; i++) {
    const json = JSON.stringify(make(i))
    const size = Buffer.byteLength(json) + (i > 0 ? 1 : 0)
    if (bytes + size > targetBytes) break
    parts.push(json)
    bytes += size
  }
  return new TextEncoder().encode(`[${parts.join(',')}]`)
}

/** About 100 bytes: a tiny log line, the worst case for per-event costs. */
export function makeTinyEvent(i: number): Record<string, unknown> {
  const r = seededRandom(i * 2246822519 + 7)
  return { timestamp: new Date(FIXTURE_START_MS + i * 11).toISOString(), level: pick(r, LEVELS), message: `tick ${i}`, n: Math.floor(r() * 1e6) }
}

/** About 200 KB (under the 256 KB event limit): a log event carrying a long stack trace and payload. */
export function makeLargeEvent(i: number): Record<string, unknown> {
  const base = makeLogEvent(i)
  const r = seededRandom(i * 97 + 3)
  const frames: string[] = []
  for (let f = 0; f < 1400; f++) frames.push(`    at ${pick(r, SERVICES)}.handler${f} (src/${pick(r, SERVICES)}/module${Math.floor(r() * 1000)}.ts:${Math.floor(r() * 900)}:${Math.floor(r() * 80)})`)
  return { ...base, level: 'error', stack: frames.join('\n'), payload: ulid(r).repeat(1500) }
}

/** Nested about 60 levels deep (the storage rules allow 64): every level an object with a small array. */
export function makeDeepEvent(i: number): Record<string, unknown> {
  const base = makeLogEvent(i)
  let inner: Record<string, unknown> = { leaf: i }
  for (let d = 0; d < 58; d++) inner = { level: d, tags: [d, `t${d}`], child: inner }
  return { ...base, data: inner }
}

/** One event in 20 has a wrong type on a well-known field, and is refused with 400. */
export function makeMostlyValidEvent(i: number): Record<string, unknown> {
  const event = makeLogEvent(i)
  if (i % 20 === 7) event.duration = 'slow'
  return event
}

/** Ten log events, as one small request. */
export function smallRequestBody(): Uint8Array {
  return eventsBody(10)
}

/** A JSON array of exactly `count` events `make(0)` ... `make(count - 1)`. */
export function eventsBody(count: number, make: (i: number) => unknown = makeLogEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(Array.from({ length: count }, (_, i) => make(i))))
}

/** The bench's ~300-byte log events as OTLP log records, grouped by service as an SDK or Collector groups them. */
export function otlpLogs(count: number): Record<string, unknown> {
  const random = seededRandom(7)
  const bytes = (n: number) => Buffer.from([...Array(n)].map(() => Math.floor(random() * 256)))
  const byService = new Map<string, Record<string, unknown>[]>()
  for (let i = 0; i < count; i++) {
    const e = makeLogEvent(i) as { timestamp: string; level: string; message: string; requestId: string; service: string; duration: number; data: Record<string, any> }
    const records = byService.get(e.service) ?? []
    byService.set(e.service, records)
    const str = (stringValue: string) => ({ stringValue })
    records.push({
      timeUnixNano: (BigInt(Date.parse(e.timestamp)) * 1_000_000n + 417n).toString(),
      severityText: e.level,
      body: str(e.message),
      traceId: bytes(16),
      spanId: bytes(8),
      attributes: [
        { key: 'requestId', value: str(e.requestId) },
        { key: 'duration', value: { doubleValue: e.duration } },
        { key: 'user.id', value: str(e.data.userId) },
        { key: 'url.path', value: str(e.data.path) },
        { key: 'http.response.status_code', value: { intValue: e.data.status } },
        { key: 'cloud.region', value: str(e.data.region) },
        { key: 'cached', value: { boolValue: e.data.cached } },
      ],
    })
  }
  return {
    resourceLogs: [...byService].map(([service, logRecords]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.namespace', value: { stringValue: 'shop' } }, { key: 'k8s.pod.name', value: { stringValue: `${service}-7d9f8b6c5-x2x9q` } }] },
      scopeLogs: [{ scope: { name: 'app', version: '1.0.0' }, logRecords }],
    })),
  }
}
