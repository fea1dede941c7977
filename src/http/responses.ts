// The response bodies of the Events API (spec: "API Response codes") and of sluice's own routes.

export const Message = {
  accepted: 'Request Accepted',
  badRequest: 'Bad Request',
  unauthorised: 'Unauthorised',
  methodNotAllowed: 'Method Not Allowed',
  tooLarge: 'Payload Too Large',
  unsupportedMediaType: 'Unsupported Media Type',
  forbidden: 'Forbidden',
  notFound: 'Not Found',
  tooManyRequests: 'Too Many Requests',
  unavailable: 'Service Unavailable',
  internalError: 'Internal Error',
} as const

const MESSAGE_FOR_STATUS: Record<number, string> = {
  400: Message.badRequest,
  401: Message.unauthorised,
  403: Message.forbidden,
  404: Message.notFound,
  405: Message.methodNotAllowed,
  413: Message.tooLarge,
  415: Message.unsupportedMediaType,
  429: Message.tooManyRequests,
  500: Message.internalError,
  503: Message.unavailable,
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 2

export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS })
}

/** `{"message": <the spec's words for status>, ...extra}`; a 503 says when to come back (Retry-After) unless `headers` does. */
export function statusResponse(status: number, extra?: Record<string, unknown>, headers?: Record<string, string>): Response {
  const body = { message: MESSAGE_FOR_STATUS[status] ?? Message.internalError, ...extra }
  return json(status, body, status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS), ...headers } : headers)
}

// The two commonest answers, serialised once.
const ACCEPTED_BODY = JSON.stringify({ message: Message.accepted })
export const accepted = (): Response => new Response(ACCEPTED_BODY, { status: 202, headers: JSON_HEADERS })
