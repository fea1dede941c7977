// A nats-server of the bench's own (for baselines, and for sluice when a bench sets NATS_URL).
import { join } from 'node:path'
import { startNatsServer, type NatsServerHandle } from '../../src/embedded/nats-server'
import { quietLogger } from '../../src/log'
import { tempDir } from './processes'

export async function benchNats(): Promise<NatsServerHandle> {
  return startNatsServer({ storeDir: join(tempDir('nats'), 'store'), logger: quietLogger, supervise: false })
}
