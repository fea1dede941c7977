// Reusable large buffers for request bodies and row chunks. A 6 MB body or a 1 MB chunk freed
// after each request is garbage the runtime collects late: 16 concurrent 6 MB requests leave
// ~350 MB of dead buffers (VmHWM of bun reading bodies only). Reused, the same load holds only
// the buffers in use plus a few idle ones.
//
// A buffer goes back only when nothing can still read it: a body once its request is done, a
// chunk once JetStream acknowledged it (nats.js writes it to the socket before the ack can come).
// Reused buffers are not zeroed: only the part written for the current request is ever read.

export class BufferPool {
  private readonly idle: Buffer[] = []

  /** size: bytes of every buffer; maxIdle: buffers kept for reuse, beyond that they are dropped. */
  constructor(readonly size: number, private readonly maxIdle: number) {}

  take(): Buffer {
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(this.size)
  }

  give(buffer: Uint8Array): void {
    if (buffer.byteLength === this.size && this.idle.length < this.maxIdle) this.idle.push(buffer as Buffer)
  }

  get idleCount(): number {
    return this.idle.length
  }
}

const pools = new Map<string, BufferPool>()

/** The process-wide pool of `size`-byte buffers for `use` (bodies, chunks). */
export function sharedPool(use: 'bodies' | 'chunks', size: number, maxIdle: number): BufferPool {
  const key = `${use}:${size}`
  let pool = pools.get(key)
  if (pool === undefined) pools.set(key, (pool = new BufferPool(size, maxIdle)))
  return pool
}
