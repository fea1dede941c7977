// CORS_ORIGINS, the setting: which origins' pages may send events from a browser. Read here, beside
// the configuration; http/cors.ts applies it to requests.

/** `*`, or the exact origins (`scheme://host[:port]`) allowed; empty: CORS off. */
export type CorsOrigins = '*' | readonly string[]

/** Parses CORS_ORIGINS: `*`, `none`, or comma-separated origins; returns the problem or the origins. */
export function parseCorsOrigins(value: string): CorsOrigins | { problem: string } {
  const text = value.trim()
  if (text === '*') return '*'
  if (text === 'none') return []
  const origins = text.split(',').map((o) => o.trim()).filter((o) => o.length > 0)
  // An Origin header is scheme://host[:port], lower case, with no path: anything else never matches.
  const bad = origins.filter((o) => !/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/.test(o) && !/^https?:\/\/\[[0-9a-f:.]+\](:\d{1,5})?$/.test(o))
  if (bad.length > 0) return { problem: `${bad.map((b) => JSON.stringify(b)).join(', ')}: an origin is scheme://host[:port] in lower case, without a path or trailing slash (as browsers send it in Origin); or use * or none` }
  return origins
}
