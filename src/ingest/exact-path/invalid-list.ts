// The events of one request that were not accepted, as the 400 answer lists them. A body of
// millions of bad elements must not cost millions of entries (or a response of hundreds of MB):
// the first MAX_LISTED_INVALID are listed, the rest only counted.
import type { InvalidEvent } from '../event/event-schema'

/** Entries listed in a 400 answer at most; `rejected` counts them all. */
export const MAX_LISTED_INVALID = 1000

export class InvalidList {
  readonly listed: InvalidEvent[] = []
  count = 0

  add(entry: InvalidEvent): void {
    if (this.count++ < MAX_LISTED_INVALID) this.listed.push(entry)
  }

  /** Whether the list is full: a further refusal is only counted, so its wording is not needed. */
  get full(): boolean {
    return this.count >= MAX_LISTED_INVALID
  }

  /** Counts a refusal once the list is full. */
  countOne(): void {
    this.count++
  }

  /** Whether some entries were counted but not listed. */
  get truncated(): boolean {
    return this.count > this.listed.length
  }
}
