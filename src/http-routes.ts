// The names of the routes HTTP metrics and the access log count by: a fixed, small set (a label per
// raw path would let any client grow the metrics without bound). http/route-names.ts says which a request is.

export const HTTP_ROUTES = ['events', 'cors_preflight', 'otlp', 'query', 'health', 'ready', 'metrics', 'openapi', 'console', 'other'] as const
export type HttpRoute = (typeof HTTP_ROUTES)[number]
