// The one NATS connection of a process, and what everything above it needs to know of it: whether
// the link is up right now (one watch of the client's status events, which also logs them), and
// how large a message this server takes. Publisher, consumer, dataset registry and restart-suspect
// marking all share it.
import { connect, Events, type NatsConnection } from 'nats'
import { QueueUnavailableError } from '../errors'
import type { Logger } from '../log'
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-format'

/** Pause between reconnect attempts; the client retries forever (the server may be restarting). */
export const RECONNECT_WAIT_MS = 1000
/** Client pings this often so a silently dead TCP connection is noticed within ~3 intervals. */
const PING_INTERVAL_MS = 10_000
/** Headroom below the server's max_payload for the Sluice-* and Nats-Msg-Id headers. */
const HEADER_ROOM_BYTES = 4 * 1024

export interface QueueConnectionOptions {
  logger?: Logger
  /** The smallest message body this process must be able to send (one whole event and its row). */
  minMessageBytes?: number
}

export class QueueConnection {
  /** Largest message body: the server's max_payload less room for headers, at most the stream's limit. */
  readonly maxMessageBytes: number
  private up = true
  private readonly dropped = new Set<(err: Error) => void>()
  private readonly linkListeners = new Set<(up: boolean) => void>()

  /** Watches an open connection (tests and tools that connect themselves use this too). */
  constructor(readonly nc: NatsConnection, options: QueueConnectionOptions = {}) {
    this.maxMessageBytes = messageBytesFor(nc.info?.max_payload, options.minMessageBytes ?? 0)
    const logger = options.logger
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) {
          logger?.warn({ server: s.data }, 'lost the NATS connection; reconnecting')
          this.setUp(false)
        } else if (s.type === Events.Reconnect) {
          logger?.info({ server: s.data }, 'reconnected to NATS')
          this.setUp(true)
        } else if (s.type === Events.Error) logger?.error({ err: s.data }, 'NATS reported an error')
        else if (s.type === Events.LDM) logger?.warn({ server: s.data }, 'NATS server entering lame duck mode')
      }
    })().catch(() => {})
  }

  /**
   * Connects to `url` (comma-separated servers allowed) and keeps reconnecting forever after a loss.
   * The first connect fails fast with QueueUnavailableError so a wrong NATS_URL shows at start.
   */
  static async connect(url: string, options: QueueConnectionOptions & { logger: Logger }): Promise<QueueConnection> {
    const servers = url.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
    let nc: NatsConnection
    try {
      nc = await connect({ servers, name: 'sluice', maxReconnectAttempts: -1, reconnectTimeWait: RECONNECT_WAIT_MS, pingInterval: PING_INTERVAL_MS, maxPingOut: 3 })
    } catch (err) {
      throw new QueueUnavailableError(`cannot connect to NATS at ${url}: ${(err as Error).message}`, { cause: err })
    }
    try {
      const queue = new QueueConnection(nc, options)
      options.logger.info({ server: nc.getServer() }, 'connected to NATS')
      return queue
    } catch (err) {
      await nc.close()
      throw err
    }
  }

  /**
   * Whether the connection is up right now. While disconnected the nats client buffers requests
   * until a reconnect, so anything waiting for an answer (a PubAck, an API call) would hang until
   * its timeout; callers check this to refuse at once, and `guard` rejects work already waiting.
   */
  get usable(): boolean {
    return this.up && !this.nc.isClosed() && !this.nc.isDraining()
  }

  /** Runs `work`, but rejects as soon as the connection drops. */
  async guard<T>(work: Promise<T>): Promise<T> {
    let reject!: (err: Error) => void
    const drop = new Promise<never>((_, r) => (reject = r))
    this.dropped.add(reject)
    try {
      return await Promise.race([work, drop])
    } finally {
      this.dropped.delete(reject)
    }
  }

  /** Calls `listener(false)` on every disconnect and `listener(true)` on every reconnect; returns its removal. */
  onLinkChange(listener: (up: boolean) => void): () => void {
    this.linkListeners.add(listener)
    return () => this.linkListeners.delete(listener)
  }

  private setUp(up: boolean): void {
    this.up = up
    if (!up) {
      const err = new Error('disconnected from NATS')
      for (const reject of this.dropped) reject(err)
      this.dropped.clear()
    }
    for (const listener of this.linkListeners) listener(up)
  }
}

/**
 * Message size for a server of this max_payload, at most the stream's limit. A server that cannot
 * carry `minBytes` (one whole event plus its row text) cannot run sluice.
 */
export function messageBytesFor(maxPayload: number | undefined, minBytes: number): number {
  const bytes = Math.min(DEFAULT_MAX_MESSAGE_BYTES, (maxPayload ?? DEFAULT_MAX_MESSAGE_BYTES + HEADER_ROOM_BYTES) - HEADER_ROOM_BYTES)
  if (bytes < minBytes) {
    throw new QueueUnavailableError(`the NATS server's max_payload (${maxPayload} bytes) is too small: sluice needs at least ${minBytes + HEADER_ROOM_BYTES} bytes to carry a 256 KB event`)
  }
  return bytes
}
