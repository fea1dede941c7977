// The datasets of a deployment, shared by every ingest node through a JetStream KV bucket, so
// the number of tables clients can create is capped (MAX_DATASETS) however many nodes take events.
// Each node watches the bucket into a local Set: a known dataset costs one Set lookup, a new one
// one KV create, and one past the cap is refused without a round trip.
//
// The cap is checked against the local view (known names plus this node's registrations under
// way) before the create, so several nodes registering new names at the same moment may overshoot
// it by as many names as the other nodes are registering concurrently (a few).
import { NatsError, type KV } from 'nats'
import { QueueUnavailableError, SluiceError } from '../errors'
import type { Logger } from '../log'
import { PUBLISH_TIMEOUT_MS } from './publisher'
import type { QueueConnection } from './connection'

/** The deployment has its maximum number of datasets; this new one is refused (a 400, as an invalid dataset). */
export class DatasetLimitError extends SluiceError {
  readonly code = 'DATASET_LIMIT'
  readonly status = 400
  readonly retryable = false
}

export interface DatasetRegistryOptions {
  /** KV bucket name (its stream is KV_<bucket>). */
  bucket: string
  replicas: number
  maxDatasets: number
  logger?: Logger
}

/** JetStream's "wrong last sequence": the key already exists (another node registered it first). */
const WRONG_LAST_SEQUENCE = 10071
const EMPTY = new Uint8Array(0)

export const datasetBucketFor = (stream: string): string => `${stream}_DATASETS`

export class DatasetRegistry {
  private readonly known = new Set<string>()
  /** Registrations under way on this node, so concurrent first requests share one create. */
  private readonly registering = new Map<string, Promise<void>>()
  private stopWatching: (() => void) | undefined

  private constructor(
    private readonly kv: KV,
    private readonly link: QueueConnection,
    private readonly maxDatasets: number,
    private readonly logger?: Logger,
  ) {}

  /** Opens (creating if needed) the bucket and resolves once every existing name is known. */
  static async open(queue: QueueConnection, options: DatasetRegistryOptions): Promise<DatasetRegistry> {
    const kv = await queue.nc.jetstream().views.kv(options.bucket, { replicas: options.replicas, history: 1, timeout: PUBLISH_TIMEOUT_MS })
    const registry = new DatasetRegistry(kv, queue, options.maxDatasets, options.logger)
    await registry.watch()
    return registry
  }

  get size(): number {
    return this.known.size
  }

  /** Resolves when the dataset may take events; throws DatasetLimitError past the cap. */
  admit(dataset: string): Promise<void> | void {
    if (this.known.has(dataset)) return
    let pending = this.registering.get(dataset)
    if (pending === undefined) {
      pending = this.register(dataset).finally(() => this.registering.delete(dataset))
      this.registering.set(dataset, pending)
    }
    return pending
  }

  stop(): void {
    this.stopWatching?.()
  }

  private async register(dataset: string): Promise<void> {
    // Names this node is registering right now count too, so a burst of new names on one node
    // cannot pass the cap together; only nodes racing each other can (see the top of this file).
    if (this.known.size + this.registering.size >= this.maxDatasets) {
      throw new DatasetLimitError(`"${dataset}" would be a new dataset, and this deployment already has its maximum of ${this.maxDatasets} datasets (MAX_DATASETS); send events to an existing dataset.`)
    }
    // During an outage a new dataset is refused at once, like its events would be.
    if (!this.link.usable) throw new QueueUnavailableError(`NATS is not connected; the dataset "${dataset}" could not be registered`)
    try {
      await this.link.guard(this.kv.create(dataset, EMPTY))
      this.logger?.info({ dataset }, 'new dataset')
    } catch (err) {
      if (!(err instanceof NatsError && err.api_error?.err_code === WRONG_LAST_SEQUENCE)) {
        this.logger?.debug({ err, dataset }, 'a new dataset could not be registered')
        throw new QueueUnavailableError(`the dataset "${dataset}" could not be registered: ${(err as Error).message}`, { cause: err })
      }
    }
    this.known.add(dataset)
  }

  private async watch(): Promise<void> {
    let initialized!: () => void
    const ready = new Promise<void>((resolve) => (initialized = resolve))
    const updates = await this.kv.watch({ initializedFn: () => initialized(), ignoreDeletes: true })
    this.stopWatching = () => updates.stop()
    void (async () => {
      for await (const entry of updates) if (entry.operation === 'PUT') this.known.add(entry.key)
    })().catch((err) => this.logger?.warn({ err }, 'the dataset registry stopped watching; new datasets from other nodes are learnt on first use'))
    await ready
  }
}
