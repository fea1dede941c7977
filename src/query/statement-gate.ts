// Decides whether SQL sent to POST /query may run, letting ClickHouse decide what the SQL is: the
// engine re-formats the text (formatQuery refuses several statements and anything it cannot
// parse), the engine's EXPLAIN AST of that text is checked node by node, and the engine's text,
// never the client's, is what runs. A hand-written tokenizer can disagree with the engine about
// where a string or comment ends; the engine cannot disagree with itself.
//
// Everything is judged by allowlist: the statement kinds and their clauses, the tree's node kinds,
// functions and table functions by name, tables by database. What the engine would parse out of a
// string (a values() column list, a type, an aggregate's name) is either checked or refused.
import { QueryRejectedError } from '../errors'
import { stringLiteral } from '../store/sql-text'
import { ALLOWED_SYSTEM_TABLES, ALLOWED_TABLE_FUNCTIONS, HOST_COLUMNS, IN_FUNCTIONS, TABLES_WITH_HOST_COLUMNS } from './allowed-names'
import { argumentRefusal, argumentsOf, constantBytes, CONSTANT_BYTES_PER_QUERY, containsAmplifier, functionNameRefusal, valuesRefusal } from './function-rules'
import { parseExplainAst, UnreadableAstError, walk, type AstNode } from './explain-ast'

/**
 * Runs one statement on the (read-only) query session and returns its TabSeparatedRaw text. The
 * format must come from outside the SQL: a FORMAT clause after `EXPLAIN AST <statement>` would be
 * parsed as the statement's own.
 */
export type EngineText = (sql: string) => Promise<string>

export { stringLiteral }

const forbidden = (message: string) => new QueryRejectedError(message, 403)
const SETTINGS_REFUSED = () => forbidden('SETTINGS are not allowed in a query: sluice sets the limits every query runs under.')
const bad = (message: string) => new QueryRejectedError(message, 400)

/**
 * The tree nodes a read may contain. Anything else (a SETTINGS clause's Set, an APPLY transformer,
 * whose function EXPLAIN AST does not print, a query parameter, a node a later engine adds) is refused.
 */
const ALLOWED_NODES = new Set([
  'SelectWithUnionQuery', 'SelectIntersectExceptQuery', 'SelectQuery', 'ExpressionList', 'Function', 'Identifier', 'Literal',
  'Asterisk', 'QualifiedAsterisk', 'ColumnsRegexpMatcher', 'QualifiedColumnsRegexpMatcher', 'ColumnsListMatcher', 'QualifiedColumnsListMatcher',
  'ColumnsTransformerList', 'ColumnsExceptTransformer', 'ColumnsReplaceTransformer', 'ColumnsReplaceTransformer::Replacement',
  'TablesInSelectQuery', 'TablesInSelectQueryElement', 'TableExpression', 'TableIdentifier', 'TableJoin', 'ArrayJoin', 'Subquery',
  'OrderByElement', 'WithElement', 'WindowDefinition', 'WindowListElement', 'SampleRatio', 'InterpolateElement',
])

/** EXPLAIN kinds that describe a SELECT without running it. */
const EXPLAIN_KINDS = new Set(['EXPLAIN', 'EXPLAIN AST', 'EXPLAIN SYNTAX', 'EXPLAIN PLAN', 'EXPLAIN PIPELINE', 'EXPLAIN ESTIMATE', 'EXPLAIN QUERY TREE'])

const READ_STATEMENTS = 'SELECT, WITH, SHOW TABLES, SHOW CREATE TABLE, DESCRIBE, EXISTS, EXPLAIN'
const OUTFILE_REFUSED = () => forbidden('INTO OUTFILE writes a file on the server and is refused.')
const FORMAT_REFUSED = () => bad('Remove the FORMAT clause: /query always answers in JSON.')
/** A window frame as formatQuery writes it (always the BETWEEN form). */
const ANY_FRAME = /\b(?:ROWS|RANGE|GROUPS) BETWEEN\b/g
const FRAME = /^(ROWS|RANGE|GROUPS) BETWEEN (UNBOUNDED PRECEDING|CURRENT ROW|([0-9]+) (?:PRECEDING|FOLLOWING)) AND (UNBOUNDED FOLLOWING|CURRENT ROW|([0-9]+) (?:PRECEDING|FOLLOWING))/
/** Rows a frame may span when its start moves: the aggregate is recomputed over the frame for every row. */
export const MAX_FRAME_ROWS = 10_000
/** Columns that reveal the server's disks and files, on every table (virtual columns). */
const HOST_VIRTUAL_COLUMNS = new Set(['_disk_name', '_path', '_file'])

/**
 * Returns the engine's formatting of `sql` when it is one read statement that stays inside
 * `database` (and the allowed system tables); throws QueryRejectedError (400 or 403) otherwise.
 */
export async function admitStatement(engineText: EngineText, sql: string, database: string): Promise<string> {
  if (sql.trim() === '') throw bad('The query is empty: send one SELECT statement as the request body.')
  const formatted = (await engineText(`SELECT formatQuery(${stringLiteral(sql)})`)).replace(/\n$/, '')
  const lastLine = formatted.slice(formatted.lastIndexOf('\n') + 1)
  // EXPLAIN of a statement that ends in FORMAT would answer in that format; sluice answers JSON.
  if (/^FORMAT /.test(lastLine)) throw FORMAT_REFUSED()
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
  checkFrames(formatted)
  return formatted
}

/**
 * Window frames whose cost stays linear: a start that does not move (UNBOUNDED PRECEDING), or a
 * frame of at most MAX_FRAME_ROWS rows. A frame that runs to UNBOUNDED FOLLOWING from a moving
 * start, or a RANGE/GROUPS offset (rows by value, unbounded), would recompute over most of the
 * partition for every row. Read from the engine's text: a string holding such words is refused
 * too, a false alarm but never a hole.
 */
function checkFrames(formatted: string): void {
  for (const found of formatted.matchAll(ANY_FRAME)) {
    const m = FRAME.exec(formatted.slice(found.index))
    const fixedStart = m?.[2] === 'UNBOUNDED PRECEDING'
    const offsets = [m?.[3], m?.[5]].filter((o) => o !== undefined).map(Number)
    const bounded = m !== undefined && m !== null && (fixedStart || m[4] !== 'UNBOUNDED FOLLOWING') && (m[1] === 'ROWS' ? offsets.every((o) => o <= MAX_FRAME_ROWS) : offsets.length === 0)
    if (!bounded) {
      throw forbidden(`This window frame is refused on /query: frames may start at UNBOUNDED PRECEDING, or span at most ${MAX_FRAME_ROWS} ROWS (e.g. ROWS BETWEEN 5 PRECEDING AND CURRENT ROW); a moving frame to UNBOUNDED FOLLOWING, or a RANGE or GROUPS offset, recomputes its aggregate over the partition for every row.`)
    }
  }
}

const statementWord = (formatted: string) => formatted.split(/\s+/, 2).join(' ')

/** The statement's own shape: its kind is a read, and it carries no clause beyond its query (INTO OUTFILE, FORMAT, SETTINGS). */
function checkStatement(root: AstNode, formatted: string, database: string): void {
  const extras = (allowed: number) => {
    for (const child of root.children.slice(allowed)) {
      if (child.kind === 'Literal') throw OUTFILE_REFUSED()
      if (child.kind === 'Set') throw SETTINGS_REFUSED()
      if (child.kind === 'Identifier') throw FORMAT_REFUSED()
      throw forbidden(`The clause ${child.kind} is refused on ${statementWord(formatted)}.`)
    }
  }
  switch (root.kind) {
    case 'SelectWithUnionQuery':
    case 'SelectIntersectExceptQuery':
      extras(root.kind === 'SelectWithUnionQuery' ? 1 : root.children.length)
      break
    case 'Explain': {
      if (!EXPLAIN_KINDS.has(root.name)) throw forbidden(`${root.name} is refused; EXPLAIN, EXPLAIN PLAN, SYNTAX, AST, PIPELINE, ESTIMATE and QUERY TREE are allowed, of SELECT statements.`)
      if (root.children[0]?.kind === 'Set') throw forbidden('EXPLAIN options (indexes = 1, header = 1, ...) are refused on /query; EXPLAIN the SELECT alone.')
      if (root.children[0]?.kind !== 'SelectWithUnionQuery') throw forbidden('EXPLAIN is allowed for SELECT statements only.')
      extras(1)
      break
    }
    case 'DescribeQuery':
      if (root.children[0]?.kind !== 'TableExpression') throw forbidden('DESCRIBE is allowed of a table or a SELECT only.')
      extras(1)
      break
    case 'ShowTables':
      if (!/^SHOW (TABLES|DATABASES)\b/.test(formatted)) throw forbidden(`Only SHOW TABLES and SHOW DATABASES are allowed among SHOW statements; "${statementWord(formatted)}" is refused.`)
      // A LIKE pattern is a literal too; INTO OUTFILE is told by the engine's text (a pattern
      // holding those words is refused as well: a false alarm, never a hole).
      if (/\bINTO OUTFILE\b/.test(formatted)) throw OUTFILE_REFUSED()
      for (const child of root.children) {
        if (child.kind === 'Literal') continue
        if (child.kind !== 'Identifier') throw forbidden(`The clause ${child.kind} is refused on SHOW TABLES.`)
        checkDatabase(child.name, database)
      }
      return
    case 'ShowCreateTableQuery':
    case 'ExistsTableQuery': {
      if (!/^(SHOW CREATE|EXISTS) (TEMPORARY )?(TABLE )?/.test(formatted) || /^(SHOW CREATE|EXISTS) (DATABASE|DICTIONARY|VIEW|USER|ROLE)/.test(formatted)) {
        throw forbidden('Only SHOW CREATE TABLE and EXISTS TABLE are allowed among those statements.')
      }
      const names = root.children.filter((c) => c.kind === 'Identifier').length
      extras(names)
      const [db, table] = root.children
      checkTable(names === 2 ? `${db!.name}.${table!.name}` : (db?.name ?? ''), database)
      return
    }
    default:
      throw forbidden(`Only read statements are allowed (${READ_STATEMENTS}); "${statementWord(formatted)}" is refused.`)
  }
  const isSelect = root.kind === 'SelectWithUnionQuery' || root.kind === 'SelectIntersectExceptQuery'
  checkTree(isSelect ? root : root.children[0]!, database, isSelect)
}

/** Every node of a query: its kind, functions, tables, and lambdas that see only their own parameters. */
function checkTree(top: AstNode, database: string, statementIsSelect: boolean): void {
  let readsHostColumnsTable = false
  let constantBytesMade = 0
  const visit = (node: AstNode, parent: AstNode | undefined, lambda: Set<string> | undefined): void => {
    if (node.kind === 'Set') throw SETTINGS_REFUSED()
    if (node.kind === 'ColumnsApplyTransformer') throw forbidden('APPLY is refused on /query: call the function on the columns you name.')
    if (!ALLOWED_NODES.has(node.kind)) throw forbidden(`${node.kind} is not among the constructs /query allows.`)
    // Nested SELECTs, and the one under EXPLAIN or DESCRIBE, carry no clauses either.
    if (node.kind === 'SelectWithUnionQuery' && (node !== top || !statementIsSelect) && node.children.length > 1) {
      throw node.children[1]!.kind === 'Literal' ? OUTFILE_REFUSED() : FORMAT_REFUSED()
    }
    if (node.kind === 'Identifier' && HOST_VIRTUAL_COLUMNS.has(node.name.split('.').pop()!)) {
      throw forbidden(`The column ${node.name} reveals the server's disks or files and is refused.`)
    }
    if (lambda !== undefined) {
      // A lambda runs once per array element: what it reads besides that element (a column, a
      // subquery's result) would make its cost the product of two sizes.
      if (node.kind === 'Subquery') throw forbidden('A subquery inside a lambda is refused on /query: compute it outside (WITH ... AS name) and pass it in as an argument.')
      if (node.kind === 'Identifier' && !lambda.has(node.name.split('.', 1)[0]!)) {
        throw forbidden(`The lambda reads ${node.name}, which is not one of its parameters: on /query a lambda sees only its own arguments and constants.`)
      }
    }
    let inner = lambda
    if (node.kind === 'Function') {
      // A function name is one word; what follows it is not part of the name.
      const name = node.name.split(' ', 1)[0]!
      const lower = name.toLowerCase()
      if (parent?.kind === 'TableExpression') {
        if (!ALLOWED_TABLE_FUNCTIONS.has(lower)) {
          throw forbidden(`The table function ${name}() is refused: /query reads the ${database} database, and only the generators ${[...ALLOWED_TABLE_FUNCTIONS].filter((f) => !f.includes('series')).join(', ')} besides.`)
        }
        const refusal = lower === 'values' ? valuesRefusal(node) : undefined
        if (refusal) throw forbidden(refusal)
      } else {
        const refusal = functionNameRefusal(name) ?? argumentRefusal(lower, node)
        if (refusal) throw forbidden(refusal)
        const made = constantBytes(lower, node)
        if (typeof made === 'string') throw forbidden(made)
        if (made !== undefined && (constantBytesMade += made) > CONSTANT_BYTES_PER_QUERY) {
          throw forbidden(`The query's constants (repeat, range, padding...) add up to more than ${CONSTANT_BYTES_PER_QUERY / 1024 / 1024} MiB, which the engine would compute before the query's limits apply; make them smaller.`)
        }
      }
      if (IN_FUNCTIONS.has(lower)) {
        // `x IN db.t` names a table where an expression is expected.
        const table = node.children[0]?.children[1]
        if (table?.kind === 'Identifier') {
          readsHostColumnsTable = checkTable(table.name, database) || readsHostColumnsTable
          if (lambda !== undefined) throw forbidden('A table inside a lambda is refused on /query.')
          for (const child of node.children[0]!.children.slice(0, 1)) visit(child, node.children[0], lambda)
          return
        }
      }
      if (lower === 'lambda') {
        // Run once per element, a size-making call would multiply the array's size, before the
        // query's limits apply when the array is a constant.
        if (argumentsOf(node).slice(1).some(containsAmplifier)) throw forbidden('range(), repeat() and the other size-making functions are refused inside a lambda on /query.')
        const params = argumentsOf(node)[0]
        inner = new Set(lambda)
        for (const p of params?.kind === 'Function' ? argumentsOf(params) : params ? [params] : []) inner.add(p.name)
        const body = argumentsOf(node).slice(1)
        for (const b of body) visit(b, node, inner)
        return
      }
    }
    if (node.kind === 'TableIdentifier') readsHostColumnsTable = checkTable(node.name, database) || readsHostColumnsTable
    for (const child of node.children) visit(child, node, inner)
  }
  visit(top, undefined, undefined)
  if (readsHostColumnsTable) checkSystemColumns(top)
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
