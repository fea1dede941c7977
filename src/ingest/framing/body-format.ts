// Which framing a request body uses, from its Content-Type: a JSON array (the spec's format, and
// what anything else is read as, so clients that send no or a generic type keep working), or
// newline-delimited JSON, one event per line, as log shippers send it.

export type BodyFormat = 'array' | 'lines'

/** Media types of newline-delimited JSON in use (NDJSON, JSON Lines). */
export const LINE_MEDIA_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']

/** The body format a Content-Type header names; parameters (`; charset=utf-8`) and case do not matter. */
export function bodyFormatOf(contentType: string | null | undefined): BodyFormat {
  if (!contentType) return 'array'
  const semicolon = contentType.indexOf(';')
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  return LINE_MEDIA_TYPES.includes(type) ? 'lines' : 'array'
}
