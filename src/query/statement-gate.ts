// Decides whether SQL sent to POST /query may run, letting ClickHouse decide what the SQL is: the
// engine re-formats the text (formatQuery refuses several statements and anything it cannot
// parse), the engine's EXPLAIN AST of that text is checked node by node, and the engine's text,
// never the client's, is what runs. A hand-written tokenizer can disagree with the engine about
// where a string or comment ends; the engine cannot disagree with itself.
import { QueryRejectedError } from '../errors'
import { ALLOWED_SYSTEM_TABLES, ALLOWED_TABLE_FUNCTIONS, HOST_COLUMNS, IN_FUNCTIONS, REFUSED_FUNCTION_PREFIXES, REFUSED_FUNCTIONS, TABLES_WITH_HOST_COLUMNS } from './allowed-names'
import { parseExplainAst, UnreadableAstError, walk, type AstNode } from './explain-ast'

/**
 * Runs one statement on the (read-only) query session and returns its TabSeparatedRaw text. The
 * format must come from outside the SQL: a FORMAT clause after `EXPLAIN AST <statement>` would be
 * parsed as the statement's own.
 */
export type EngineText = (sql: string) => Promise<string>

/**
 * A ClickHouse string literal holding `text`: only `\` and `'` are special inside one. NUL is
 * escaped too, since the embedded engine takes the statement as a C string, which NUL would end.
 */
export const stringLiteral = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`

const forbidden = (message: string) => new QueryRejectedError(message, 403)
const SETTINGS_REFUSED = () => forbidden('SETTINGS are not allowed in a query: sluice sets the limits every query runs under.')
const bad = (message: string) => new QueryRejectedError(message, 400)

/** Statement kinds (EXPLAIN AST root nodes) that only read. */
const READ_ROOTS = new Set(['SelectWithUnionQuery', 'DescribeQuery', 'Explain', 'ShowTables', 'ShowCreateTableQuery', 'ExistsTableQuery'])

/**
 * Returns the engine's formatting of `sql` when it is one read statement that stays inside
 * `database` (and the allowed system tables); throws QueryRejectedError (400 or 403) otherwise.
 */
export async function admitStatement(engineText: EngineText, sql: string, database: string): Promise<string> {
  if (sql.trim() === '') throw bad('The query is empty: send one SELECT statement as the request body.')
  const formatted = (await engineText(`SELECT formatQuery(${stringLiteral(sql)})`)).replace(/\n$/, '')
  const lastLine = formatted.slice(formatted.lastIndexOf('\n') + 1)
  // EXPLAIN of a statement that ends in FORMAT would answer in that format; sluice answers JSON.
  if (/^FORMAT /.test(lastLine)) throw bad('Remove the FORMAT clause: /query always answers in JSON.')
  const ast = await engineText(`EXPLAIN AST ${formatted}`).catch((error) => {
    // EXPLAIN only parses, but it applies a SETTINGS clause, which the read-only session refuses (164 READONLY).
    throw (error as { code?: string }).code === '164' ? SETTINGS_REFUSED() : error
  })
  let root: AstNode
  try {
    root = parseExplainAst(ast)
  } catch (error) {
    if (error instanceof UnreadableAstError) throw bad('Quoted names and aliases with line breaks are not supported on /query: rename them.')
    throw error
  }
  checkStatement(root, formatted, database)
  return formatted
}

function checkStatement(root: AstNode, formatted: string, database: string): void {
  if (!READ_ROOTS.has(root.kind)) {
    throw forbidden(`Only read statements are allowed (SELECT, WITH, SHOW TABLES, SHOW CREATE TABLE, DESCRIBE, EXISTS, EXPLAIN); "${formatted.split(/\s+/, 2).join(' ')}" is refused.`)
  }
  if (root.kind === 'ShowTables' && !/^SHOW (TABLES|DATABASES)\b/.test(formatted)) {
    throw forbidden(`Only SHOW TABLES and SHOW DATABASES are allowed among SHOW statements; "${formatted.split(/\s+/, 2).join(' ')}" is refused.`)
  }
  if (root.kind === 'ShowTables') for (const id of root.children) checkDatabase(id.name, database)
  if (root.kind === 'ShowCreateTableQuery' || root.kind === 'ExistsTableQuery') {
    const [db, table] = root.children
    if (!/^(SHOW CREATE|EXISTS) (TEMPORARY )?(TABLE )?/.test(formatted) || /^(SHOW CREATE|EXISTS) (DATABASE|DICTIONARY|VIEW|USER|ROLE)/.test(formatted)) {
      throw forbidden('Only SHOW CREATE TABLE and EXISTS TABLE are allowed among those statements.')
    }
    checkTable(root.children.length === 2 ? `${db!.name}.${table!.name}` : (db?.name ?? ''), database)
  }
  if (root.kind === 'Explain') {
    const inner = root.children[0]
    if (inner === undefined || !['SelectWithUnionQuery', 'DescribeQuery'].includes(inner.kind)) throw forbidden('EXPLAIN is allowed for SELECT statements only.')
  }
  let readsHostColumnsTable = false
  for (const { node, parent } of walk(root)) {
    if (node.kind === 'Set') throw SETTINGS_REFUSED()
    if (node.kind === 'SelectWithUnionQuery') {
      for (const child of node.children.slice(1)) {
        if (child.kind === 'Literal') throw forbidden('INTO OUTFILE writes a file on the server and is refused.')
        if (child.kind === 'Identifier') throw bad('Remove the FORMAT clause: /query always answers in JSON.')
      }
    }
    if (node.kind === 'Function') {
      // A function name is one word; what follows it is not part of the name.
      const name = node.name.split(' ', 1)[0]!.toLowerCase()
      if (parent?.kind === 'TableExpression') {
        if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
          throw forbidden(`The table function ${node.name}() is refused: /query reads the ${database} database, and only the generators ${[...ALLOWED_TABLE_FUNCTIONS].filter((f) => !f.includes('series')).join(', ')} besides.`)
        }
      } else if (REFUSED_FUNCTIONS.has(name) || REFUSED_FUNCTION_PREFIXES.some((p) => name.startsWith(p))) {
        throw forbidden(`The function ${node.name}() is refused: it reads the server's files, settings, identity or other tables.`)
      }
      if (IN_FUNCTIONS.has(name)) {
        // `x IN db.t` names a table where an expression is expected.
        const table = node.children[0]?.children[1]
        if (table?.kind === 'Identifier') readsHostColumnsTable = checkTable(table.name, database) || readsHostColumnsTable
      }
    }
    if (node.kind === 'TableIdentifier') readsHostColumnsTable = checkTable(node.name, database) || readsHostColumnsTable
  }
  if (readsHostColumnsTable) checkSystemColumns(root)
}

/** Throws unless `name` (as EXPLAIN AST prints it: `db.table` or `table`) is in `database` or an allowed system table; true for a system table with host columns. */
function checkTable(name: string, database: string): boolean {
  // Dataset and database names are plain words; a quoted name with spaces or symbols is not ours.
  if (!/^[A-Za-z0-9_$.-]+$/.test(name)) throw forbidden(`The table name ${JSON.stringify(name)} is refused: /query reads tables named ${database}.<dataset> (letters, digits, _ and -).`)
  const parts = name.split('.')
  // EXPLAIN AST prints names without quotes, so `a.b`.c and a.`b.c` look alike: refuse the doubt.
  if (parts.length > 2) throw forbidden(`The table name ${name} has more than one dot: name tables as ${database}.<dataset>.`)
  if (parts.length === 1) return false // resolved in the query session's current database, ${database}
  const [db, table] = parts as [string, string]
  if (db === database) return false
  if (db === 'system') {
    if (ALLOWED_SYSTEM_TABLES.has(table)) return TABLES_WITH_HOST_COLUMNS.has(table)
    throw forbidden(`system.${table} is refused: /query allows ${[...ALLOWED_SYSTEM_TABLES].map((t) => `system.${t}`).join(', ')}.`)
  }
  throw forbidden(`The table ${name} is outside the ${database} database, which is all /query reads.`)
}

function checkDatabase(name: string, database: string): void {
  // Compared whole: a quoted name with spaces is never the database or system.
  if (name !== database && name !== 'system') throw forbidden(`The database ${name} is refused: /query reads the ${database} database.`)
}

/** system.tables and system.parts hold the server's paths: a query that reads them must name its columns, and not those. */
function checkSystemColumns(root: AstNode): void {
  for (const { node } of walk(root)) {
    // Asterisk, QualifiedAsterisk, ColumnsRegexpMatcher, QualifiedColumnsRegexpMatcher, ColumnsListMatcher...
    if (/Asterisk|Matcher/.test(node.kind)) {
      throw forbidden('Name the columns you need when reading system.tables or system.parts (SELECT database, name, engine FROM system.tables): * would include the server\'s paths.')
    }
    if (node.kind === 'Identifier' && HOST_COLUMNS.has(node.name.split('.').pop()!)) {
      throw forbidden(`The column ${node.name} reveals the server's disks or paths and is refused.`)
    }
  }
}
