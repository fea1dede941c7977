// Where in the person's SQL a ClickHouse error points. A syntax error gives a position ("failed at
// position 8", 1-based, or "line 1, col 8"); most others name the culprit (an identifier, table or
// function), which is looked for in the text.

export interface ErrorSpan {
  from: number
  to: number
}

const NAMED = [
  // "Unknown identifier", "Unknown expression identifier", "Unknown table expression identifier", ...
  /Unknown (?:[a-z ]+ )?identifier [`'"]([^`'"]+)[`'"]/,
  /Missing columns: '([^']+)'/,
  /Unknown (?:aggregate )?function [`'"]?(\w+)/,
  // The table's own name, without the database.
  /Table (?:[\w-]+\.)?([\w-]+) does not exist/,
  /Unknown table [`'"]?([\w.-]+)/,
]

export function errorSpan(message: string, sql: string): ErrorSpan | undefined {
  const lineCol = /line (\d+), col (\d+)/.exec(message)
  if (lineCol) {
    const lines = sql.split('\n')
    const line = Number(lineCol[1]) - 1
    if (line < lines.length) {
      const from = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + Number(lineCol[2]) - 1
      return spanAt(sql, from)
    }
  }
  const position = /failed at position (\d+)/.exec(message)
  if (position) return spanAt(sql, Number(position[1]) - 1)
  for (const pattern of NAMED) {
    const name = pattern.exec(message)?.[1]
    if (!name) continue
    const at = sql.indexOf(name)
    if (at >= 0) return { from: at, to: at + name.length }
    const last = name.slice(name.lastIndexOf('.') + 1)
    const atLast = sql.indexOf(last)
    if (atLast >= 0) return { from: atLast, to: atLast + last.length }
  }
  return undefined
}

/** The word starting at `from` (at least one character), within the text. */
function spanAt(sql: string, from: number): ErrorSpan {
  const start = Math.max(0, Math.min(from, sql.length))
  const word = /^[\w.]+/.exec(sql.slice(start))?.[0].length ?? 1
  return { from: start, to: Math.min(sql.length, start + Math.max(1, word)) }
}
