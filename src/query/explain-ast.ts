// Reads ClickHouse's `EXPLAIN AST` text into a tree: one node per line, its depth given by the
// indentation, e.g. `     Function file (alias f) (children 1)`. This is the engine's own parse of
// the statement, so the gate judges what ClickHouse will run, not a guess at it.
//
// EXPLAIN AST prints quoted names and aliases raw: a name holding a line break would add lines of
// the client's choosing. Every node's printed child count is therefore checked against the lines
// that follow, and a name is read only up to its alias, so such a statement is refused, never misread.

export interface AstNode {
  /** The node type, e.g. SelectWithUnionQuery, TableExpression, Function, TableIdentifier. */
  kind: string
  /** What follows the type up to an alias or child count: a function or table name, a literal. */
  name: string
  children: AstNode[]
}

/** The text is not a tree EXPLAIN AST would print for a statement with plain names. */
export class UnreadableAstError extends Error {}

const LINE = /^( *)(\S+)(?: (.*))?$/
const CHILD_COUNT = /(?:^| +)\(children (\d+)\)$/

/** Parses the text of EXPLAIN AST; throws UnreadableAstError when it does not have the expected shape. */
export function parseExplainAst(text: string): AstNode {
  const lines = text.split('\n').filter((l) => l.length > 0)
  const root: AstNode = { kind: '', name: '', children: [] }
  const declared = new Map<AstNode, number>([[root, 1]])
  const stack: { node: AstNode; depth: number }[] = [{ node: root, depth: -1 }]
  for (const line of lines) {
    const match = LINE.exec(line)
    if (!match) throw new UnreadableAstError(`unexpected EXPLAIN AST line: ${line}`)
    const depth = match[1]!.length
    let rest = match[3] ?? ''
    const count = CHILD_COUNT.exec(rest)
    if (count) rest = rest.slice(0, count.index)
    const alias = rest.indexOf(' (alias ')
    const node: AstNode = { kind: match[2]!, name: alias === -1 ? rest : rest.slice(0, alias), children: [] }
    declared.set(node, count ? Number(count[1]) : 0)
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= depth) stack.pop()
    const parent = stack[stack.length - 1]!
    if (depth !== parent.depth + 1) throw new UnreadableAstError(`unexpected EXPLAIN AST indentation: ${line}`)
    parent.node.children.push(node)
    stack.push({ node, depth })
  }
  for (const [node, children] of declared) {
    if (node.children.length !== children) throw new UnreadableAstError(`EXPLAIN AST node ${node.kind} ${node.name} has ${node.children.length} children, not ${children}`)
  }
  return root.children[0]!
}

/** Every node of the tree, depth first, with its parent. */
export function* walk(node: AstNode, parent?: AstNode): Generator<{ node: AstNode; parent: AstNode | undefined }> {
  yield { node, parent }
  for (const child of node.children) yield* walk(child, node)
}
