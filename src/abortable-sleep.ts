// Waiting that ends early when its work is given up: the batcher's retry pauses
// (src/batch/flush-slots.ts) and the live tail's polls (src/query/live-tail.ts); and the look ingest
// takes, before publishing, at whether its client still waits (src/ingest/ingest-request.ts).

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

/**
 * Resolves after one turn of the event loop: whether `signal` is still not aborted then. A closed
 * socket is noticed between turns, so work that must not outlive its client looks only after one.
 */
export function stillWanted(signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => setImmediate(() => resolve(!signal.aborted)))
}
