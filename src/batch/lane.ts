// A dataset's lane in the batcher: messages waiting for the next flush, and the flush under way.
import type { Config } from '../config'
import type { QueuedMessage } from '../queue/types'

type Limits = Pick<Config['batch'], 'maxEvents' | 'maxBytes'>

/** One dataset's messages (for one shard): those waiting for the next flush and the flush under way, if any. */
export interface Lane {
  readonly dataset: string
  readonly shard: number
  pending: QueuedMessage[]
  events: number
  bytes: number
  firstAt: number
  timer: ReturnType<typeof setTimeout> | undefined
  inFlight: QueuedMessage[]
  flushing: Promise<void> | undefined
  failing: boolean
}

export const newLane = (dataset: string, shard = 0): Lane => ({ dataset, shard, pending: [], events: 0, bytes: 0, firstAt: 0, timer: undefined, inFlight: [], flushing: undefined, failing: false })

/** A lane whose waiting messages fill a batch. */
export function isFull(lane: Lane, limits: Limits): boolean {
  return lane.events >= limits.maxEvents || lane.bytes >= limits.maxBytes
}

/** The oldest pending messages up to maxEvents and maxBytes (at least one message, which is at most
 *  1 MiB): after an outage the backlog goes out in batches of the configured size, not as one. */
export function takeBatch(lane: Lane, limits: Limits): QueuedMessage[] {
  let events = 0
  let bytes = 0
  let n = 0
  for (const m of lane.pending) {
    if (n > 0 && (events + m.events > limits.maxEvents || bytes + m.body.length > limits.maxBytes)) break
    events += m.events
    bytes += m.body.length
    n++
  }
  const batch = lane.pending.splice(0, n)
  lane.events -= events
  lane.bytes -= bytes
  // What stays behind keeps its firstAt: it is due as soon as this flush ends.
  return batch
}
