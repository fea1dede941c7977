// Reads ClickHouse's `EXPLAIN AST` text into a tree: one node per line, its depth given by the
// indentation, e.g. `     Function file (alias f) (children 1)`. This is the engine's own parse of
// the statement, so the gate judges what ClickHouse will run, not a guess at it.

export interface AstNode {
  /** The node type, e.g. SelectWithUnionQuery, TableExpression, Function, TableIdentifier. */
  kind: string
  /** What follows the type: a function or table name, a literal; without the alias and child count. */
  name: string
  children: AstNode[]
}

const LINE = /^( *)(\S+)(?: (.*?))?(?: \(alias [^)]*\))?(?: +\(children \d+\))?$/

/** Parses the text of EXPLAIN AST; throws when it does not have the expected shape. */
export function parseExplainAst(text: string): AstNode {
  const lines = text.split('\n').filter((l) => l.length > 0)
  const root: AstNode = { kind: '', name: '', children: [] }
  const stack: { node: AstNode; depth: number }[] = [{ node: root, depth: -1 }]
  for (const line of lines) {
    const match = LINE.exec(line)
    if (!match) throw new Error(`unexpected EXPLAIN AST line: ${line}`)
    const depth = match[1]!.length
    const node: AstNode = { kind: match[2]!, name: match[3] ?? '', children: [] }
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= depth) stack.pop()
    const parent = stack[stack.length - 1]!
    if (depth !== parent.depth + 1) throw new Error(`unexpected EXPLAIN AST indentation: ${line}`)
    parent.node.children.push(node)
    stack.push({ node, depth })
  }
  if (root.children.length !== 1) throw new Error('EXPLAIN AST did not describe exactly one statement')
  return root.children[0]!
}

/** Every node of the tree, depth first, with its parent. */
export function* walk(node: AstNode, parent?: AstNode): Generator<{ node: AstNode; parent: AstNode | undefined }> {
  yield { node, parent }
  for (const child of node.children) yield* walk(child, node)
}
