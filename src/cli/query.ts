// `npm run query -- "SELECT ..."`: sends SQL to a running sluice's POST /query and prints the rows.
import { loadConfig } from '../config'
import { QUERY_KEY_FILE, readQueryKey } from '../embedded/default-api-key'

const USAGE = 'usage: npm run query -- [--url http://host:port] [--json] "SELECT ..."'

async function main(argv: string[]): Promise<number> {
  const config = loadConfig()
  let url = `http://127.0.0.1:${config.port}`
  let asJson = false
  const sqlParts: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--url') url = argv[++i] ?? url
    else if (arg === '--json') asJson = true
    else if (arg === '--help' || arg === '-h') return console.log(USAGE), 0
    else sqlParts.push(arg)
  }
  const sql = sqlParts.join(' ').trim()
  if (sql === '') return console.error(USAGE), 2
  // A query key, never an ingest key; one configured as its sha256: digest cannot be sent.
  const key = config.queryKeys.find((k) => !k.startsWith('sha256:')) ?? readQueryKey(config.dataDir)
  if (key === undefined) {
    console.error(`no query key: set QUERY_KEYS to a plain query key, or run from where ${config.dataDir}/${QUERY_KEY_FILE} is (sluice writes it on first start)`)
    return 2
  }
  let response: Response
  try {
    response = await fetch(`${url.replace(/\/$/, '')}/query`, { method: 'POST', body: sql, headers: { 'x-api-key': key } })
  } catch (error) {
    console.error(`cannot reach sluice at ${url}: ${(error as Error).message} (is \`npm start\` running?)`)
    return 1
  }
  const text = await response.text()
  let body: { data?: Record<string, unknown>[]; rows?: number; message?: string; error?: string }
  try {
    body = JSON.parse(text)
  } catch {
    // Not sluice answering (a wrong --url, a proxy's error page): show what came back.
    console.error(`${response.status} from ${url}, not a sluice answer: ${text.slice(0, 200)}`)
    return 1
  }
  if (!response.ok) {
    console.error(`${response.status} ${body.message ?? ''}${body.error ? `: ${body.error}` : ''}`)
    return 1
  }
  if (asJson) console.log(JSON.stringify(body.data, null, 2))
  else if ((body.data ?? []).length > 0) console.table(body.data)
  console.error(`${body.rows ?? 0} row(s)`)
  return 0
}

process.exit(await main(process.argv.slice(2)))
