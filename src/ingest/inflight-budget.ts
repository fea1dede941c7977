// The node-wide budget of memory held by requests in flight (bodies and encoded rows), so that
// any number of concurrent or huge requests costs at most INGEST_MAX_INFLIGHT_BYTES: past it a
// request is answered 503 with Retry-After instead of pushing the process out of memory.
import { SluiceError } from '../errors'

/** The node is at its in-flight byte budget; the request may be retried shortly. */
export class IngestOverloadedError extends SluiceError {
  readonly code = 'INGEST_OVERLOADED'
  readonly status = 503
  readonly retryable = true
}

export class InflightBudget {
  private used = 0

  constructor(readonly maxBytes: number) {}

  get usedBytes(): number {
    return this.used
  }

  /**
   * Takes bytes from the budget; false (and nothing taken) when they do not fit. A request alone
   * on the node (holding all that is used, `heldByCaller`) always fits, so a budget smaller than one large request (INGEST_MAX_INFLIGHT_BYTES
   * may be as low as 16 MB; a 6 MB body counts for about 32 MB) slows such requests to one at a
   * time instead of refusing them forever.
   */
  tryTake(bytes: number, heldByCaller = 0): boolean {
    if (this.used > heldByCaller && this.used + bytes > this.maxBytes) return false
    this.used += bytes
    return true
  }

  give(bytes: number): void {
    this.used -= bytes
  }
}

/** What one request holds of the budget; grows as its body and rows grow, released at once. */
export class Reservation {
  private held = 0

  constructor(private readonly budget: InflightBudget | undefined) {}

  get bytes(): number {
    return this.held
  }

  /** Holds `bytes` more, or throws IngestOverloadedError when the node has no room for them. */
  grow(bytes: number): void {
    if (bytes <= 0) return
    if (this.budget !== undefined && !this.budget.tryTake(bytes, this.held)) {
      throw new IngestOverloadedError(`This node is at its limit of ${this.budget.maxBytes} bytes of requests in flight`)
    }
    this.held += bytes
  }

  release(): void {
    this.budget?.give(this.held)
    this.held = 0
  }
}
