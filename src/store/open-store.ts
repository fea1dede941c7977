// The Store a Config names: a cluster with CLICKHOUSE_CLUSTER, a ClickHouse server when CLICKHOUSE_URL
// is set, else the embedded engine in DATA_DIR.
import type { Config } from '../config'
import { ClusterStore } from './cluster-store'
import { EmbeddedStore, embeddedPath } from './embedded-store'
import { ServerStore } from './server-store'
import type { Store } from './types'

export function openStore(cfg: Config['clickhouse'], dataDir: string): Store {
  if (cfg.cluster !== undefined) return new ClusterStore(cfg, cfg.cluster)
  return cfg.url !== undefined ? new ServerStore({ ...cfg, url: cfg.url }) : new EmbeddedStore(embeddedPath(dataDir))
}
