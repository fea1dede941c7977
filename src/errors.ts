// Error classes shared by every part: each carries what the HTTP edge and the batcher need
// to decide (status, retryable) and the foreign error that caused it.

export abstract class SluiceError extends Error {
  abstract readonly code: string
  /** HTTP status the edge answers with when this error reaches it (http/error-answers.ts). */
  abstract readonly status: number
  /** Whether trying the same thing again later may succeed. */
  abstract readonly retryable: boolean

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The environment does not describe a valid configuration. */
export class ConfigError extends SluiceError {
  readonly code = 'CONFIG'
  readonly status = 500
  readonly retryable = false
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}

/** NATS / JetStream cannot take the events now (down, timed out, stream full). */
export class QueueUnavailableError extends SluiceError {
  readonly code = 'QUEUE_UNAVAILABLE'
  readonly status = 503
  readonly retryable = true
}

/** ClickHouse could not be reached or did not answer in time. */
export class StoreUnavailableError extends SluiceError {
  readonly code = 'STORE_UNAVAILABLE'
  readonly status = 503
  readonly retryable = true
}

/** ClickHouse refused the data itself (bad value, type mismatch): retrying the same rows fails again. */
export class RowsRejectedError extends SluiceError {
  readonly code = 'ROWS_REJECTED'
  readonly status = 400
  readonly retryable = false
  constructor(message: string, readonly clickhouseCode: number | undefined, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A query sent to POST /query was refused before or by ClickHouse. */
export class QueryRejectedError extends SluiceError {
  readonly code = 'QUERY_REJECTED'
  readonly status: number
  readonly retryable = false
  constructor(message: string, status = 400, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
  }
}

/** The request body broke a limit or was not what the API takes; the message is for the client. */
export class BadBodyError extends SluiceError {
  readonly code = 'BAD_BODY'
  readonly retryable = false
  constructor(message: string, readonly status: 400 | 413 | 415 = 400) {
    super(message)
  }
}

/** A request header sluice stores or hashes is not UTF-8 text; the message is for the client. */
export class BadHeaderError extends SluiceError {
  readonly code = 'BAD_HEADER'
  readonly status = 400
  readonly retryable = false
  constructor(name: string) {
    super(`The ${name} header is not UTF-8: send header text as UTF-8 bytes (a client that encodes it as Latin-1 sends é as the one byte 0xE9).`)
  }
}

/**
 * The client's connection closed before its request was answered: nothing of the request was
 * stored, so the client, told nothing, may send it again. The answer reaches no one; its status
 * shows in the metrics and the access log.
 */
export class ClientGoneError extends SluiceError {
  readonly code = 'CLIENT_GONE'
  readonly status = 400
  readonly retryable = true
  constructor() {
    super('The connection closed before the request was answered; nothing of it was stored.')
  }
}

/** This node's ROLE does not serve the request (events sent to a batcher-only node). */
export class WrongRoleError extends SluiceError {
  readonly code = 'WRONG_ROLE'
  readonly status = 503
  readonly retryable = true
}
