// The query role: POST /query, the console's reads and `npm run query`, on sessions of their own
// (or a server user) locked read-only under the query limits.
import type { Config } from '../config'
import { QueryRunner } from '../query/run-query'
import type { Shutdown } from '../shutdown'
import type { Store } from '../store/types'

export function startQueryRole(config: Config, store: Store, shutdown: Shutdown): QueryRunner {
  const runner = new QueryRunner(store.querySessions(config.clickhouse.database, config.query), config.clickhouse.database, config.query)
  shutdown.add('close query sessions', 0.2, () => runner.close())
  return runner
}
