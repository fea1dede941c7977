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
  return `The function ${name}() is not among the functions /query allows (aggregates, arithmetic, comparison, conditions, strings and search, dates, conversion, JSON, arrays, tuples, maps, hashes, URL and IP functions); the README's Query section says more.`
}

/** `names` (one string of words), each paired with `value`, in lower case. */
const each = <T>(value: T, names: string): [string, T][] => words(names).map((n) => [n.toLowerCase(), value])

/** Arguments (0-based) that must be literals because the cost is |haystack| x |pattern| when the pattern varies per row. */
const PATTERN_ARGUMENTS = new Map<string, number>([
  ...each(1, `position positionCaseInsensitive positionUTF8 positionCaseInsensitiveUTF8 instr
    countSubstrings countSubstringsCaseInsensitive countSubstringsCaseInsensitiveUTF8 countMatches countMatchesCaseInsensitive
    like notLike ilike notILike match REGEXP_MATCHES
    extract extractAll extractAllGroups extractAllGroupsHorizontal extractAllGroupsVertical extractGroups regexpExtract REGEXP_EXTRACT REGEXP_SUBSTR
    replace replaceAll replaceOne replaceRegexpAll replaceRegexpOne REGEXP_REPLACE regexpPosition regexpInstr regexp_instr
    substringIndex substringIndexUTF8 SUBSTRING_INDEX
    hasToken hasTokenOrNull hasTokenCaseInsensitive hasTokenCaseInsensitiveOrNull hasAllTokens hasAnyTokens hasAllToken hasAnyToken hasPhrase matchPhrase
    hasAll hasAny`),
  // locate(needle, haystack), in the argument order ClickHouse uses by default.
  ...each(0, 'locate splitByRegexp splitByString'),
])

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
  if (pattern !== undefined && args.length > pattern && args[pattern]!.kind !== 'Literal') {
    return `${fn.name}() takes its pattern as a literal on /query (a pattern that differs per row costs the product of both lengths): write the ${ordinal(pattern)} argument as a constant.`
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
  if (structure === undefined || !isPlainStructure(structure)) {
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
