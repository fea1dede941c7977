// Entry point of `npm start`: reads the environment, runs sluice, and shuts it down cleanly on
// SIGTERM / SIGINT / SIGHUP or when the process that started it dies, within SHUTDOWN_TIMEOUT_MS.
import { loadConfig } from './config'
import { ConfigError, SluiceError } from './errors'
import { recordServerAddress } from './cli/server-address'
import { createLogger } from './log'
import { reachableHost, startSluice, urlHost, type RunningSluice } from './sluice'

/** How often sluice checks that the process that started it (npm, a supervisor) is still there. */
const PARENT_CHECK_MS = 1000

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
  const logger = createLogger(config.logLevel, config.logFormat)
  const budgetMs = config.shutdownTimeoutMs
  let sluice: RunningSluice | undefined
  let signalled = false
  const shutdown = (signal: string) => {
    if (signalled) return
    signalled = true
    if (sluice === undefined) {
      // Still starting (a cluster may keep it waiting for a minute): nothing is serving yet, so stop
      // now; the exit hook and the watchdogs take the nats-server down.
      logger.warn({ signal }, 'stopped during start-up')
      process.exit(1)
    }
    logger.info({ signal, budgetMs }, 'shutting down: finishing what each role holds')
    // Every step shares this budget and gives up on time; this is the last word if something ignores it.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting')
      process.exit(1)
    }, budgetMs + 500).unref()
    sluice.stop(budgetMs).then(
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
  process.on('SIGHUP', () => shutdown('SIGHUP'))
  // When npm or a supervisor dies without passing a signal on (SIGKILL), sluice is re-parented (to
  // init or a subreaper); it must not run on unsupervised, holding DATA_DIR and its port. Linux
  // would say it with PR_SET_PDEATHSIG, which Bun does not expose; the parent's pid says it too.
  // An extra ingest process is told who started it: read from process.ppid at start, a parent that
  // died in the child's first moments would already be init, and the child would run on unwatched.
  const parent = config.ingest.parentPid ?? process.ppid
  if (parent > 1) {
    setInterval(() => {
      if (process.ppid !== parent) shutdown('parent exited')
    }, PARENT_CHECK_MS).unref()
  }

  try {
    sluice = await startSluice(config, { logger })
    // Where `npm run query` finds this server without being told its PORT.
    recordServerAddress(config.dataDir, sluice.url)
  } catch (error) {
    if (error instanceof SluiceError && !error.retryable) {
      // A start-up error the operator must fix (port taken, DATA_DIR in use, unsupported setting): say it plainly.
      logger.fatal({ code: error.code }, error.message)
      console.error(`sluice: ${error.message}`)
      process.exit(2)
    }
    // Anything else: one readable line for the person at the terminal, the details in the log.
    logger.fatal({ err: error }, 'sluice failed to start')
    console.error(`sluice failed to start: ${(error as Error)?.message ?? error}`)
    process.exit(1)
  }
  if (sluice.generatedKey || sluice.generatedQueryKey) printFirstRequest(sluice, config.host, config.dataDir, config.clickhouse.database, config.consoleEnabled)
}

/**
 * For the newcomer: the generated keys, which is which, and requests that work as pasted. A key
 * that came from the environment is not printed (the operator has it, and logs are not the place).
 */
function printFirstRequest(sluice: RunningSluice, host: string, dataDir: string, database: string, consoleEnabled: boolean): void {
  const { port, generatedKey: ingestKey, generatedQueryKey: queryKey, serves } = sluice
  const base = `http://${reachableHost(host)}:${port}`
  const example = `[{"message":"hello from sluice","requestId":"r-1"},{"message":"second event","duration":127}]`
  const lines = ['', `sluice is listening on http://${urlHost(host)}:${port}`]
  if (ingestKey) lines.push(`Ingest key, PUBLIC (generated, kept in ${dataDir}/api-key; set API_KEYS to use your own): ${ingestKey}`, '  it only sends events: ship it in your applications.')
  if (queryKey) lines.push(`Query key, SECRET (generated, kept in ${dataDir}/query-key; set QUERY_KEYS to use your own): ${queryKey}`, '  it reads all stored events: keep it to yourself, never ship it in an application.')
  lines.push('')
  if (ingestKey && serves.events) lines.push('Send events:', `  curl -X POST '${base}/v1/logs' -H 'x-api-key: ${ingestKey}' -H 'content-type: application/json' -H 'x-service: my-service' -d '${example}'`)
  if (queryKey && serves.queries) lines.push('Query them:', `  curl -X POST '${base}/query' -H 'x-api-key: ${queryKey}' -d 'SELECT _timestamp, _service, data.message FROM ${database}.logs ORDER BY _timestamp'`)
  if (queryKey && serves.queries && consoleEnabled) lines.push('Look at them in the console:', `  ${base}/   (sign in with the query key: ${queryKey})`)
  lines.push('')
  console.log(lines.join('\n'))
}

main().catch((error) => {
  console.error('sluice failed to start:', error)
  process.exit(1)
})
