// Test harness: a real nats-server with JetStream on a free port and its own temporary store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findNatsServer, startNatsServer } from '../../src/embedded/nats-server'
import type { NatsConnection } from 'nats'
import { quietLogger, type Logger } from '../../src/log'
import { QueueConnection } from '../../src/queue/connection'

export interface TestNats {
  url: string
  port: number
  storeDir: string
  /** Pid of the running server, undefined while stopped. */
  readonly pid: number | undefined
  /** Stops the server and removes its store. */
  stop(): Promise<void>
  /** Stops (if running) and starts again on the same port and store: clients reconnect by themselves. */
  restart(): Promise<void>
  /** SIGKILL, like a crash; restart() brings it back. */
  kill(): void
}

/** supervise: restart the server when it dies or hangs, as sluice does for its own (off: the test restarts it). */
export async function startTestNats(options: { supervise?: boolean } = {}): Promise<TestNats> {
  const storeDir = mkdtempSync(join(tmpdir(), 'sluice-nats-'))
  // Tests are not sluice: they may read NATS_SERVER_BIN themselves to point at another build.
  const bin = findNatsServer(process.env.NATS_SERVER_BIN)
  try {
    const server = await startNatsServer({ bin, storeDir, logger: quietLogger, supervise: options.supervise ?? false })
    return {
      url: server.url,
      port: server.port,
      storeDir,
      get pid() {
        return server.pid
      },
      async stop() {
        await server.stop()
        rmSync(storeDir, { recursive: true, force: true })
      },
      restart: () => server.restart(),
      kill: () => server.kill(),
    }
  } catch (err) {
    rmSync(storeDir, { recursive: true, force: true })
    throw err
  }
}

const queues = new WeakMap<NatsConnection, QueueConnection>()

/** The one QueueConnection of a test's NATS connection, as sluice keeps one per process. */
export function queueOf(nc: NatsConnection): QueueConnection {
  let queue = queues.get(nc)
  if (!queue) queues.set(nc, (queue = new QueueConnection(nc)))
  return queue
}

/** Connects as sluice does and gives the raw connection; queueOf(nc) is its QueueConnection. */
export async function connectNats(url: string, logger: Logger = quietLogger): Promise<NatsConnection> {
  const queue = await QueueConnection.connect(url, { logger })
  queues.set(queue.nc, queue)
  return queue.nc
}

/**
 * Whether the stream holds no message. The stream is a work queue: JetStream removes a message once
 * the batcher acknowledged it, and the batcher acknowledges only what it wrote (or dead-lettered),
 * so a drained stream has nothing left to write and nothing that could come back as a duplicate.
 */
export async function streamDrained(nc: NatsConnection, stream: string): Promise<boolean> {
  const { state } = await (await nc.jetstreamManager({ checkAPI: false })).streams.info(stream)
  return state.messages === 0
}
