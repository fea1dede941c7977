// The Store a Config names: a ClickHouse server when CLICKHOUSE_URL is set, else the embedded engine in DATA_DIR.
import type { Config } from '../config'
import { EmbeddedStore, embeddedPath } from './embedded-store'
import { ServerStore } from './server-store'
import type { Store } from './types'

export function openStore(cfg: Config['clickhouse'], dataDir: string): Store {
  return cfg.url !== undefined ? new ServerStore({ ...cfg, url: cfg.url }) : new EmbeddedStore(embeddedPath(dataDir))
}
