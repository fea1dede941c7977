// JetStream publish acknowledgements on one inbox subscription. A JetStream publish is a core NATS
// publish with a reply subject; the stream answers there with a PubAck (JSON) or an error
// (https://docs.nats.io/reference/reference-protocols/nats_api_reference#publishing-to-a-stream).
// nats.js's request path costs, per publish, an Error built for its stack trace, another for the
// timeout and a third on settling, plus a timer: the largest share of an ingest node's CPU under
// small requests. Here each publish costs one map entry; one timer sweeps every late one.
import { createInbox, type Msg, type NatsConnection, type Subscription } from 'nats'

/** What JetStream answers to a publish (the fields sluice reads). */
interface PubAckReply {
  stream?: string
  seq?: number
  duplicate?: boolean
  error?: { code?: number; err_code?: number; description?: string }
}

/** JetStream refused a publish, did not answer in time, or nobody answered at all. */
export class PublishRefusedError extends Error {
  override readonly name = 'PublishRefusedError'
  constructor(
    message: string,
    /** JetStream's own error, when it gave one (e.g. 10077 "maximum messages exceeded"). */
    readonly apiError?: { code?: number; err_code?: number; description?: string },
  ) {
    super(message)
  }
}

interface Waiting {
  resolve(): void
  reject(error: Error): void
  deadlineMs: number
}

/** How often late acknowledgements are looked for: a timeout fires at most this much late. */
const SWEEP_INTERVAL_MS = 100

const decoder = new TextDecoder()

export class PubAckInbox {
  private readonly prefix: string
  private readonly subscription: Subscription
  /** Keyed by reply token; insertion order is deadline order (one timeout for all). */
  private readonly waiting = new Map<string, Waiting>()
  private next = 0
  private sweeper: ReturnType<typeof setInterval> | undefined

  constructor(nc: NatsConnection, private readonly timeoutMs: number) {
    this.prefix = `${createInbox()}.`
    // A subscription survives reconnects (nats.js subscribes again), so the inbox stays valid.
    this.subscription = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => err === null && this.settle(msg) })
  }

  /** A fresh reply subject, and the promise of its acknowledgement. */
  expect(): { reply: string; acked: Promise<void> } {
    const token = (this.next++).toString(36)
    let waiting!: Waiting
    const acked = new Promise<void>((resolve, reject) => {
      waiting = { resolve, reject, deadlineMs: Date.now() + this.timeoutMs }
    })
    this.waiting.set(token, waiting)
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    return { reply: this.prefix + token, acked }
  }

  /** Takes back a reply subject whose publish never went out (the client threw). */
  forget(reply: string, error: Error): void {
    const token = reply.slice(this.prefix.length)
    this.waiting.get(token)?.reject(error)
    this.waiting.delete(token)
  }

  /** Fails every publish still waiting (the connection dropped: their answers may never come). */
  failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error)
    this.waiting.clear()
  }

  close(): void {
    this.failAll(new PublishRefusedError('the publisher was closed'))
    this.subscription.unsubscribe()
    this.stopSweeping()
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length)
    const waiting = this.waiting.get(token)
    // Late (already timed out) or not ours: nothing waits for it.
    if (waiting === undefined) return
    this.waiting.delete(token)
    const problem = problemOf(msg)
    if (problem === undefined) waiting.resolve()
    else waiting.reject(problem)
  }

  private sweep(): void {
    const now = Date.now()
    for (const [token, w] of this.waiting) {
      if (w.deadlineMs > now) break
      this.waiting.delete(token)
      w.reject(new PublishRefusedError(`no acknowledgement within ${this.timeoutMs} ms`))
    }
    // No timer left behind while idle (a stopped process exits; tests end).
    if (this.waiting.size === 0) this.stopSweeping()
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper)
    this.sweeper = undefined
  }
}

/** Why the answer is not a PubAck, or undefined when it is one (a duplicate is one too: the id already landed). */
export function problemOf(msg: Pick<Msg, 'data' | 'headers'>): PublishRefusedError | undefined {
  // No stream listens on the subject: the server answers with a bare 503 status (no responders).
  if (msg.data.length === 0) {
    const code = msg.headers?.code ?? 0
    return new PublishRefusedError(code === 503 ? 'no JetStream server answered (no responders)' : `JetStream answered with status ${code || 'none'}`)
  }
  let reply: PubAckReply
  try {
    reply = JSON.parse(decoder.decode(msg.data)) as PubAckReply
  } catch {
    return new PublishRefusedError('JetStream answered with something that is not a PubAck')
  }
  if (reply.error !== undefined) {
    const e = reply.error
    return new PublishRefusedError(`${e.description ?? 'refused'} (JetStream error ${e.err_code ?? e.code})`, e)
  }
  if (typeof reply.stream !== 'string' || reply.stream === '') return new PublishRefusedError('JetStream answered with a PubAck that names no stream')
  return undefined
}
