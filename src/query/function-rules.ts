// Which function calls POST /query may make: the name must be on the allowlist (an aggregate may
// carry the combinators below), and a few functions must be given some arguments as literals,
// because the engine parses those strings itself (a type, an aggregate's name, a column list) or
// because their cost is the product of two argument sizes (a search with a pattern that differs
// per row). Each rule returns the sentence the client gets, or undefined when the call may run.
import { ALLOWED_FUNCTIONS, REFUSED_FUNCTIONS, SYNTAX_FUNCTIONS } from './function-allowlist'
import type { AstNode } from './explain-ast'

const words = (text: string): string[] => text.trim().split(/\s+/).filter((w) => w.length > 0)

// Compared in lower case: ClickHouse resolves some names case-insensitively, and the allowlist
// test holds that no allowed and refused names differ only by case.
const ALLOWED = new Set([...Object.values(ALLOWED_FUNCTIONS).flatMap(words), ...words(SYNTAX_FUNCTIONS)].map((n) => n.toLowerCase()))
const AGGREGATES = new Set([...words(ALLOWED_FUNCTIONS.aggregates ?? ''), 'countDistinct'].map((n) => n.toLowerCase()))
const REFUSAL_REASON = new Map(Object.entries(REFUSED_FUNCTIONS).flatMap(([reason, names]) => words(names).map((n) => [n.toLowerCase(), reason] as const)))

/**
 * Aggregate combinators an allowed aggregate may carry (sumIf, uniqArrayIf, avgOrNull...). Not
 * Resample (it allocates a bucket per step of a range the query names) nor Null and Tuple (internal).
 */
const COMBINATORS = ['if', 'array', 'distinct', 'ornull', 'ordefault', 'foreach', 'map', 'merge', 'mergestate', 'state', 'simplestate', 'argmin', 'argmax']

const WHY: Record<string, string> = {
  host: "it reads the server's files, name or state",
  identity: "it tells the server's users, roles or profiles",
  settings: "it reads the server's settings",
  tables: 'it reads a table or set by name, past the check of which tables /query reads',
  dictionaries: 'dictionaries read external sources',
  network: 'it calls a service over the network',
  parsers: 'it parses a string as SQL, a structure or a format, which the gate cannot check',
  superlinear: "its cost grows faster than its input, and one row of it can outlast the query's time limit",
  writes: 'it writes',
  internal: 'it is internal to the engine',
  unneeded: 'it is outside what /query offers for log analysis',
}

/** True when `name` (as written) is an allowed function, or an allowed aggregate with combinators. */
export function isAllowedFunction(name: string): boolean {
  let lower = name.toLowerCase()
  if (ALLOWED.has(lower)) return true
  // Strip combinators from the end while what remains is not an aggregate: sumArrayIf -> sumArray -> sum.
  for (;;) {
    const suffix = COMBINATORS.find((c) => lower.length > c.length && lower.endsWith(c))
    if (suffix === undefined) return false
    lower = lower.slice(0, -suffix.length)
    if (AGGREGATES.has(lower)) return true
  }
}

/** Why a function name is refused, or undefined when it is allowed. */
export function functionNameRefusal(name: string): string | undefined {
  if (isAllowedFunction(name)) return undefined
  const reason = REFUSAL_REASON.get(name.toLowerCase())
  if (reason !== undefined) return `The function ${name}() is refused on /query: ${WHY[reason] ?? 'it is not allowed'}.`
  return `The function ${name}() is not among the functions /query allows (aggregates, arithmetic, comparison, conditions, strings and search, dates, conversion, JSON, arrays, tuples, maps, hashes, URL and IP functions); docs/query.md says more.`
}

/** `names` (one string of words), each paired with `value`, in lower case. */
const each = <T>(value: T, names: string): [string, T][] => words(names).map((n) => [n.toLowerCase(), value])

/** Arguments (0-based) that must be constants because the cost is |haystack| x |pattern| when the pattern varies per row. */
const PATTERN_ARGUMENTS = new Map<string, number>([
  ...each(1, `position positionCaseInsensitive positionUTF8 positionCaseInsensitiveUTF8 instr
    countSubstrings countSubstringsCaseInsensitive countSubstringsCaseInsensitiveUTF8 countMatches countMatchesCaseInsensitive
    like notLike ilike notILike match REGEXP_MATCHES
    extract extractAll extractAllGroups extractAllGroupsHorizontal extractAllGroupsVertical extractGroups regexpExtract REGEXP_EXTRACT REGEXP_SUBSTR
    replace replaceAll replaceOne replaceRegexpAll replaceRegexpOne REGEXP_REPLACE regexpPosition regexpInstr regexp_instr
    substringIndex substringIndexUTF8 SUBSTRING_INDEX
    hasToken hasTokenOrNull hasTokenCaseInsensitive hasTokenCaseInsensitiveOrNull hasAllTokens hasAnyTokens hasAllToken hasAnyToken hasPhrase matchPhrase
`),
  // locate(needle, haystack), in the argument order ClickHouse uses by default.
  ...each(0, 'locate splitByRegexp splitByString'),
])

/** hasAll/hasAny cost |array| x |set|: the set is a short literal array. */
const SET_ARGUMENT = new Set(['hasall', 'hasany'])
/** Characters of a literal set for hasAll/hasAny (some 200 short values). */
const MAX_SET_LITERAL_CHARS = 2000

/** Functions whose argument at this index is a type name the engine parses. */
const TYPE_ARGUMENTS = new Map<string, number | 'last'>([
  ...each<number | 'last'>(1, 'CAST accurateCast accurateCastOrNull accurateCastOrDefault reinterpret dynamicElement variantElement'),
  ...each<number | 'last'>(0, 'defaultValueOfTypeName'),
  ...each<number | 'last'>('last', 'JSONExtract JSONExtractCaseInsensitive JSONExtractKeysAndValues JSONExtractKeysAndValuesCaseInsensitive'),
])

/** Functions whose first argument names an aggregate function, which then runs. */
const AGGREGATE_NAME_ARGUMENT = new Set(['arrayreduce', 'arrayreduceinranges', 'initializeaggregation'])

const isStringLiteral = (node: AstNode | undefined): boolean => node?.kind === 'Literal' && node.name.startsWith("'")

/** The arguments of a function node (its first ExpressionList). */
export const argumentsOf = (fn: AstNode): AstNode[] => (fn.children[0]?.kind === 'ExpressionList' ? fn.children[0].children : [])

/** Why the call's arguments are refused, or undefined. `name` is the call's name in lower case. */
export function argumentRefusal(name: string, fn: AstNode): string | undefined {
  const args = argumentsOf(fn)
  const pattern = PATTERN_ARGUMENTS.get(name)
  if (pattern !== undefined && args.length > pattern && !isConstant(args[pattern]!)) {
    return `${fn.name}() takes a constant pattern on /query (a pattern that differs per row costs the product of both lengths): its ${ordinal(pattern)} argument may not read a column.`
  }
  if (SET_ARGUMENT.has(name) && args.length > 1 && (args[1]!.kind !== 'Literal' || args[1]!.name.length > MAX_SET_LITERAL_CHARS)) {
    return `${fn.name}() takes its second argument as a literal array of at most ${MAX_SET_LITERAL_CHARS} characters on /query (its cost is the product of both sizes), e.g. ${fn.name}(tags, ['a', 'b']).`
  }
  const typeIndex = TYPE_ARGUMENTS.get(name)
  if (typeIndex !== undefined && args.length > 1) {
    const type = args[typeIndex === 'last' ? args.length - 1 : typeIndex]
    if (type !== undefined && !isStringLiteral(type)) return `${fn.name}() takes its type as a string literal on /query.`
    // An AggregateFunction type names an aggregate, which -Merge or finalizeAggregation would run.
    if (type !== undefined && /aggregatefunction/i.test(type.name)) return `${fn.name}() to an AggregateFunction type is refused on /query.`
  }
  if (AGGREGATE_NAME_ARGUMENT.has(name)) {
    const aggregate = args[0]
    const named = aggregate !== undefined && isStringLiteral(aggregate) ? /^'([A-Za-z0-9_]+)(?:\([0-9., ]*\))?'$/.exec(aggregate.name)?.[1] : undefined
    if (named === undefined) return `${fn.name}() takes the aggregate's name as a plain string literal on /query, e.g. ${fn.name}('sum', ...).`
    if (!isAllowedFunction(named)) return functionNameRefusal(named)
  }
  return undefined
}

const ordinal = (i: number): string => ['first', 'second', 'third'][i] ?? `${i + 1}th`

/**
 * Why a values() call is refused, or undefined. Given a first string and more arguments, values()
 * parses that string as a column list, where DEFAULT, ALIAS and MATERIALIZED take expressions the
 * gate never sees; only `name Type` pairs of plain types are admitted.
 */
export function valuesRefusal(fn: AstNode): string | undefined {
  const args = argumentsOf(fn)
  if (args.length < 2 || !isStringLiteral(args[0])) return undefined
  const structure = /^'([A-Za-z0-9_(), ]*)'$/.exec(args[0]!.name)?.[1]
  // An AggregateFunction column names an aggregate that -Merge or finalizeAggregation would run.
  if (structure === undefined || !isPlainStructure(structure) || /aggregatefunction/i.test(structure)) {
    return "values() takes its column list as plain `name Type` pairs on /query (letters, digits, _ and parentheses; no DEFAULT, ALIAS or quoted values), e.g. values('a UInt32, b String', (1, 'x'))."
  }
  return undefined
}

/** `name Type, name Type(...)`: a name, then a type that is a word with optional arguments of numbers or nested `[name] Type`. */
export function isPlainStructure(text: string): boolean {
  const tokens = text.match(/[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[(),]|\S/g) ?? []
  let at = 0
  const word = () => (at < tokens.length && /^[A-Za-z_]/.test(tokens[at]!) ? tokens[at++] : undefined)
  const type = (depth: number): boolean => {
    if (depth > 16 || word() === undefined) return false
    if (tokens[at] !== '(') return true
    at++
    for (;;) {
      if (/^[0-9]+$/.test(tokens[at] ?? '')) at++
      else {
        // A nested element is a type, or a name followed by a type (Tuple(a String)).
        if (!/^[A-Za-z_]/.test(tokens[at] ?? '')) return false
        if (/^[A-Za-z_]/.test(tokens[at + 1] ?? '')) at++
        if (!type(depth + 1)) return false
      }
      if (tokens[at] === ',') at++
      else if (tokens[at] === ')') return (at++, true)
      else return false
    }
  }
  for (;;) {
    if (word() === undefined || !type(0)) return false
    if (at === tokens.length) return true
    if (tokens[at++] !== ',') return false
  }
}

/**
 * Functions whose output is far larger than their input, sized by a count argument (or, for
 * range(), by its bounds). Called on constants, the analyzer computes them before the query runs,
 * outside the time limit and, for what EXPLAIN prints, outside the memory limit: a constant of
 * repeat(repeat('a', 1000), 250000) held the only query slot for 22 s under a 3 s limit; made per
 * row, such a value is computed within one block, which the time limit does not interrupt either.
 * So every such call takes a plain number as its size, and what they make adds up to at most
 * CONSTANT_BYTES_PER_QUERY per query, a value read from a column counting as 256 KB.
 */
const AMPLIFIERS = new Map<string, number>([
  ...each(1, 'repeat leftPad rightPad leftPadUTF8 rightPadUTF8 lpad rpad arrayResize toFixedString'),
  ...each(0, 'space arrayWithConstant randomString randomFixedString randomPrintableASCII randomStringUTF8'),
  ...each(3, 'bar'),
])
/** The size one value read from a column (or a name) is taken to have: an event's limit, 256 KB. */
const VALUE_BYTES = 256 * 1024
/** How much data one query may ask size-making functions to make. */
export const CONSTANT_BYTES_PER_QUERY = 16 * 1024 * 1024

/** The number a numeric literal prints as in EXPLAIN AST (`UInt64_250000`, `Float64_1e6`), else undefined. */
export function numericLiteral(node: AstNode | undefined): number | undefined {
  if (node?.kind !== 'Literal') return undefined
  const m = /^(?:U?Int\d+|Float\d+)_(-?[0-9.e+]+)$/.exec(node.name)
  return m ? Number(m[1]) : undefined
}

/** True when the subtree reads no column and no subquery: the analyzer may compute it before the query runs. */
export function isConstant(node: AstNode): boolean {
  if (node.kind === 'Identifier' || node.kind === 'Subquery' || node.kind === 'Asterisk' || node.kind === 'QualifiedAsterisk') return false
  return node.children.every(isConstant)
}

/** True when the subtree calls range() or another function that makes data from a count. */
export function containsAmplifier(node: AstNode): boolean {
  if (node.kind === 'Function') {
    const name = node.name.split(' ', 1)[0]!.toLowerCase()
    if (name === 'range' || AMPLIFIERS.has(name)) return true
  }
  return node.children.some(containsAmplifier)
}

/** Bytes of literal text and numbers in a subtree, a measure of how large its constant value can be. */
function literalBytes(node: AstNode): number {
  return node.kind === 'Literal' ? Math.max(8, node.name.length) : node.children.reduce((sum, c) => sum + literalBytes(c), 0)
}

/**
 * The constant bytes this call makes, or a refusal. Undefined: not an amplifier, or one sized by a
 * column (its work happens under the query's limits).
 */
export function constantBytes(name: string, fn: AstNode): number | string | undefined {
  const args = argumentsOf(fn)
  if (name === 'range') {
    if (!args.every(isConstant)) return undefined
    const [a, b, step] = args.map(numericLiteral)
    const [from, to] = b === undefined ? [0, a] : [a, b]
    if (from === undefined || to === undefined || (args.length === 3 && step === undefined)) return `range() of constants takes plain numbers on /query: write ${fn.name}(${args.length === 1 ? 'N' : 'from, to'}) with numbers.`
    return (8 * Math.max(0, to - from)) / Math.max(1, Math.abs(step ?? 1))
  }
  const at = AMPLIFIERS.get(name)
  if (at === undefined || args.length <= at) return undefined
  // The inner call's size would be multiplied by the outer count.
  if (args.some((a, i) => i !== at && containsAmplifier(a))) return `${fn.name}() of another size-making function (repeat, range, space, padding...) is refused on /query.`
  // A size read from a column or an alias is unbounded per row: one row of it can outlast the time limit.
  const count = numericLiteral(args[at])
  if (count === undefined) return `${fn.name}() takes its size as a plain number on /query.`
  // What is repeated: its literal text, or, when it reads a column or an alias (a WITH name may stand
  // for a constant the analyzer folds), as much as one value may hold.
  const others = args.filter((_, i) => i !== at).reduce((sum, a) => sum + (isConstant(a) ? literalBytes(a) : VALUE_BYTES), 0)
  return Math.max(1, count) * Math.max(1, others)
}
