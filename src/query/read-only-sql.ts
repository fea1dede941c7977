// Decides whether SQL sent to POST /query may run: one statement that only reads. The embedded
// engine applies settings session-wide (so `readonly` cannot be set per query there) and runs
// several statements in one call, so this check is the gate on both paths; a server also gets
// readonly=2 as a second lock.
import { QueryRejectedError } from '../errors'

const READ_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS'])

// Table functions that read or write outside the database (local files, network, programs):
// on the embedded engine they would run with this process's rights.
const EXTERNAL_FUNCTIONS = new Set(
  [
    'file', 'fileCluster', 'url', 'urlCluster', 's3', 's3Cluster', 'gcs', 'oss', 'cosn', 'hdfs', 'hdfsCluster',
    'azureBlobStorage', 'azureBlobStorageCluster', 'remote', 'remoteSecure', 'cluster', 'clusterAllReplicas',
    'mysql', 'postgresql', 'mongodb', 'redis', 'sqlite', 'jdbc', 'odbc', 'executable', 'input', 'format',
    'iceberg', 'icebergS3', 'icebergAzure', 'icebergHDFS', 'icebergLocal', 'deltaLake', 'deltaLakeLocal', 'hudi',
    'paimon', 'arrowFlight', 'ytsaurus', 'dictionary', 'python', 'Python',
  ].map((n) => n.toLowerCase()),
)

/** Returns the statement without a trailing semicolon, or throws QueryRejectedError. */
export function checkReadOnlySql(sql: string): string {
  const code = codeTokens(sql)
  const words = code.filter((t) => t.kind === 'word')
  if (words.length === 0) throw new QueryRejectedError('The query is empty: send one SELECT statement as the request body.')
  const first = words[0]!.text.toUpperCase()
  if (!READ_STATEMENTS.has(first)) {
    throw new QueryRejectedError(`Only read-only queries are allowed (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS); "${first}" is refused.`, 403)
  }
  let end = sql.length
  for (let i = 0; i < code.length; i++) {
    const token = code[i]!
    if (token.kind === 'semicolon') {
      if (code.slice(i + 1).some((t) => t.kind !== 'semicolon')) throw new QueryRejectedError('Send one statement per request; this body has several.')
      end = Math.min(end, token.at)
    }
    if (token.kind === 'word' && token.text.toUpperCase() === 'INTO') {
      const next = code[i + 1]
      if (next?.kind === 'word' && next.text.toUpperCase() === 'OUTFILE') throw new QueryRejectedError('INTO OUTFILE writes a file and is refused.', 403)
    }
    if (token.kind === 'word' && code[i + 1]?.kind === 'open' && EXTERNAL_FUNCTIONS.has(token.text.toLowerCase())) {
      throw new QueryRejectedError(`The table function ${token.text}() reaches outside the database and is refused.`, 403)
    }
  }
  return sql.slice(0, end)
}

type Token = { kind: 'word' | 'open' | 'semicolon' | 'other'; text: string; at: number }

/** Splits SQL into the tokens that matter here, skipping comments, string literals and quoted names. */
function codeTokens(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === '-' && sql[i + 1] === '-') i = lineEnd(sql, i)
    else if (c === '#' && (sql[i + 1] === ' ' || sql[i + 1] === '!')) i = lineEnd(sql, i)
    else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close === -1 ? sql.length : close + 2
    } else if (c === "'" || c === '"' || c === '`') {
      i = quotedEnd(sql, i, c)
      // A quoted name like `file` is an identifier, never a function call keyword.
      tokens.push({ kind: 'other', text: '', at: i })
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++
      tokens.push({ kind: 'word', text: sql.slice(start, i), at: start })
    } else if (c === '(') {
      tokens.push({ kind: 'open', text: c, at: i++ })
    } else if (c === ';') {
      tokens.push({ kind: 'semicolon', text: c, at: i++ })
    } else if (/\s/.test(c)) i++
    else tokens.push({ kind: 'other', text: c, at: i++ })
  }
  return tokens
}

function lineEnd(sql: string, from: number): number {
  const nl = sql.indexOf('\n', from)
  return nl === -1 ? sql.length : nl + 1
}

/** End of a quoted literal or name: the quote doubled or backslash-escaped stays inside. */
function quotedEnd(sql: string, from: number, quote: string): number {
  let i = from + 1
  while (i < sql.length) {
    const c = sql[i]!
    if (c === '\\') i += 2
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}
