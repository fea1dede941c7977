// Entry point of `npm start`: reads the environment, runs sluice, and shuts it down cleanly on
// SIGTERM / SIGINT.
import { loadConfig } from './config'
import { ConfigError } from './errors'
import { createLogger } from './log'
import { startSluice } from './sluice'

/** Past this, a stuck shutdown is cut short so orchestrators are not kept waiting forever. */
const SHUTDOWN_DEADLINE_MS = 30_000

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`sluice: ${error.message}`)
      process.exit(2)
    }
    throw error
  }
  const logger = createLogger(config.logLevel)
  const sluice = await startSluice(config, { logger })
  if (sluice.generatedKey) printFirstRequest(sluice.port, sluice.generatedKey, config.dataDir, config.clickhouse.database)

  let signalled = false
  const shutdown = (signal: string) => {
    if (signalled) return
    signalled = true
    logger.info({ signal }, 'shutting down: finishing requests, flushing the batcher')
    setTimeout(() => {
      logger.error('shutdown took too long; exiting')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
    sluice.stop().then(
      () => {
        logger.info('stopped')
        process.exit(0)
      },
      (err) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

/** For the newcomer: the generated key and a request that works as pasted. */
function printFirstRequest(port: number, key: string, dataDir: string, database: string): void {
  const example = `[{"message":"hello from sluice","requestId":"r-1"},{"message":"second event","duration":127}]`
  console.log(
    [
      '',
      `sluice is listening on http://localhost:${port}`,
      `API key (generated, kept in ${dataDir}/api-key; set API_KEYS to use your own): ${key}`,
      '',
      'Send events:',
      `  curl -X POST 'http://localhost:${port}/v1/logs' -H 'x-api-key: ${key}' -H 'content-type: application/json' -H 'x-service: my-service' -d '${example}'`,
      'Query them:',
      `  curl -X POST 'http://localhost:${port}/query' -H 'x-api-key: ${key}' -d 'SELECT _timestamp, _service, data.message FROM ${database}.logs ORDER BY _timestamp'`,
      '',
    ].join('\n'),
  )
}

main().catch((error) => {
  console.error('sluice failed to start:', error)
  process.exit(1)
})
