// `npm run query -- "SELECT ..."`: sends SQL to a running sluice's POST /query and prints the rows;
// `--format csv|json|ndjson|table`; `--watch <dataset>` tails a dataset from a terminal.
import { isSet, loadConfig } from '../config'
import { QUERY_KEY_FILE, readQueryKey } from '../embedded/default-api-key'
import { formatRows, ROW_FORMATS, tableRows, type Row, type RowFormat } from './rows-format'
import { readServerAddress } from './server-address'
import { terminalText } from './terminal-text'
import { MissingTableError, tail, TransientError } from './tail'

const USAGE = `usage: npm run query -- [--url http://host:port] [--format table|json|ndjson|csv] "SELECT ..."
       npm run query -- --watch <dataset> [--where "<condition>"] [--format ...] [--interval-ms 1000] [--overlap-ms 5000]

  The server: --url, else PORT when set, else the address the last \`npm start\` on DATA_DIR recorded
  (DATA_DIR/sluice.url), else http://127.0.0.1:3000. The key: QUERY_KEYS, else DATA_DIR/${QUERY_KEY_FILE}.
  --watch prints the newest rows of a dataset, then each new one as it lands (Ctrl-C stops).`

interface Options {
  url?: string
  format: RowFormat
  watch?: string
  where?: string
  intervalMs: number
  overlapMs: number
  sql: string
}

function parseArgs(argv: string[]): Options | string {
  const o: Options = { format: 'table', intervalMs: 1000, overlapMs: 5000, sql: '' }
  const sql: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    if (arg === '--url') o.url = value()
    else if (arg === '--json') o.format = 'json'
    else if (arg === '--format') {
      const f = value()
      if (!ROW_FORMATS.includes(f as RowFormat)) return `--format must be one of ${ROW_FORMATS.join(', ')}`
      o.format = f as RowFormat
    } else if (arg === '--watch') o.watch = value()
    else if (arg === '--where') o.where = value()
    else if (arg === '--interval-ms') o.intervalMs = Math.max(100, Number(value()) || 1000)
    else if (arg === '--overlap-ms') o.overlapMs = Math.max(0, Number(value()) || 0)
    else if (arg === '--help' || arg === '-h') return ''
    else sql.push(arg)
  }
  o.sql = sql.join(' ').trim()
  if (o.watch === undefined && o.sql === '') return ''
  if (o.watch !== undefined && o.sql !== '') return '--watch takes a dataset, not SQL (use --where for a condition)'
  return o
}

async function main(argv: string[]): Promise<number> {
  let options: Options | string
  try {
    options = parseArgs(argv)
  } catch (error) {
    options = (error as Error).message
  }
  if (typeof options === 'string') {
    const help = argv.includes('--help') || argv.includes('-h')
    if (help) return console.log(USAGE), 0
    if (options !== '') console.error(options)
    return console.error(USAGE), 2
  }
  const config = loadConfig()
  // As `npm start` listens: PORT when set; else where the server on this DATA_DIR said it listens.
  const url = (options.url ?? (isSet('PORT') ? undefined : readServerAddress(config.dataDir)) ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '')
  // A query key, never an ingest key; one configured as its sha256: digest cannot be sent.
  const key = config.queryKeys.find((k) => !k.startsWith('sha256:')) ?? readQueryKey(config.dataDir)
  if (key === undefined) {
    console.error(`no query key: set QUERY_KEYS to a plain query key, or run from where ${config.dataDir}/${QUERY_KEY_FILE} is (sluice writes it on first start)`)
    return 2
  }
  const ask = async (sql: string) => askSluice(url, key, sql)
  try {
    if (options.watch !== undefined) {
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      process.once('SIGTERM', () => stop.abort())
      await tail(async (sql) => (await ask(sql)).rows, {
        dataset: options.watch,
        database: config.clickhouse.database,
        where: options.where,
        format: options.format,
        intervalMs: options.intervalMs,
        overlapMs: options.overlapMs,
        initialRows: 10,
        print: (text) => console.log(text),
        notice: (text) => console.error(terminalText(text)),
        signal: stop.signal,
      })
      return 0
    }
    const { rows, columns, count } = await ask(options.sql)
    if (options.format === 'table') {
      if (rows.length > 0) console.table(tableRows(rows))
    } else if (rows.length > 0 || options.format !== 'csv' || columns.length > 0) {
      const text = formatRows(rows, columns, options.format)
      if (text !== '') console.log(text)
    }
    console.error(`${count} row(s)`)
    return 0
  } catch (error) {
    // May quote what the server, or whatever answered at --url, sent.
    console.error(terminalText((error as Error).message))
    return 1
  }
}

/** POST /query: the rows and column names, or an error that says what went wrong and where. */
async function askSluice(url: string, key: string, sql: string): Promise<{ rows: Row[]; columns: string[]; count: number }> {
  let response: Response
  try {
    response = await fetch(`${url}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': key } })
  } catch (error) {
    throw new TransientError(`cannot reach sluice at ${url}: ${(error as Error).message} (is \`npm start\` running? else pass --url or set PORT)`)
  }
  const text = await response.text()
  let body: { data?: Row[]; meta?: { name: string }[]; rows?: number; message?: string; error?: string }
  try {
    body = JSON.parse(text)
  } catch {
    // Not sluice answering (a wrong --url, a proxy's error page): show what came back. A proxy's
    // 502 / 504 while sluice restarts passes; a tail waits for it.
    const message = `${response.status} from ${url}, not a sluice answer: ${text.slice(0, 200)}`
    throw response.status >= 502 && response.status <= 504 ? new TransientError(message) : new Error(message)
  }
  if (!response.ok) {
    const message = `${response.status} ${body.message ?? ''}${body.error ? `: ${body.error}` : ''}`
    if (response.status === 400 && /UNKNOWN_TABLE|does not exist/.test(body.error ?? '')) throw new MissingTableError(message)
    // Busy, or ClickHouse / NATS away for a moment: a tail waits for it; a one-off query reports it.
    if (response.status === 429 || response.status === 503) throw new TransientError(message)
    throw new Error(message)
  }
  return { rows: body.data ?? [], columns: (body.meta ?? []).map((m) => m.name), count: body.rows ?? 0 }
}

process.exit(await main(process.argv.slice(2)))
