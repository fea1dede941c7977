// Generators of Events API request bodies for the fuzz test: JSON text built piece by piece (so it
// can hold what JSON.stringify never writes: 1e400, lone surrogate escapes, repeated keys, odd
// whitespace, deep nesting), whole arrays of such events, and mutations of them (truncation, a
// byte changed, inserted or removed, a BOM).
import fc from 'fast-check'

const WHITESPACE = ['', '', '', '', ' ', '\n', '\t', '\r\n  ']
const ws = fc.constantFrom(...WHITESPACE)

const EDGE_NUMBERS = [
  '0', '-0', '0.0', '1', '-1', '1.5', '1E+2', '1e-7', '5e-324', '4.9e-324', '2.4e-324', '1e-400', '-1e-400',
  '1e308', '-1e308', '1.7976931348623157e308', '1.7976931348623158e308', '-1.7976931348623158e308', '1.797693134862315808e308',
  '1e309', '1e400', '-1e400', '123456789012345678901234567890', '18446744073709551615', '18446744073709551616',
  '-9223372036854775808', '-9223372036854775809', '9007199254740993', '0.1e1', '100000000000000000000000', '9'.repeat(310),
  '0e308', '0e309', '-0e999', '0.0e309', '0.0e400', '0.001e310', '1e-330', `1${'0'.repeat(330)}e-100`, '1'.repeat(309), '1'.repeat(310), `0.${'1'.repeat(350)}`,
]
const numberText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 3, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -330, max: 330 })).map(([m, e]) => `${m}e${e}`) },
)

const EDGE_STRINGS = [
  '""', '"\\ud800"', '"x\\udc00y"', '"\\ud83d\\ude00"', '"\\uDBFF\\uDFFF"', '"\\ud800\\ud800"', '"\\\\ud800"', '"\\u0000"',
  '"\\"\\/\\b\\f\\n\\r\\t\\\\"', '"😀 é 東京"', '"duration"', '"\\"duration\\":1"', '"]},{"', '"2024-05-01T12:00:00Z"',
]
const stringText = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)) },
  // Any UTF-16 units, lone surrogates included: JSON.stringify writes those as \ud8xx escapes.
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s)) },
)

const EDGE_KEYS = [
  '"duration"', '"message"', '"level"', '"timestamp"', '"service"', '"namespace"', '"requestId"', '"traceId"', '"dur\\u0061tion"',
  '""', '"."', '"a"', '"a.b"', '"a..b"', '".a"', '"a."', '"message.y"', '"duration.x"', '"k\\u0000"', '"\\ud800"', '"_raw"', '"_id"', '"data"',
  // Each dot is a level once ClickHouse splits the key: near the depth limit, and far past it.
  '"a\\u002eb"', `"${'d.'.repeat(30)}d"`, `"${'d.'.repeat(62)}d"`, `"${'.'.repeat(2000)}"`,
]
const keyText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_KEYS) },
  { weight: 3, arbitrary: fc.constantFrom('"a"', '"b"', '"c"', '"x"', '"y"') },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }).map((s) => JSON.stringify(s)) },
)

const scalarText = fc.oneof(
  { weight: 3, arbitrary: numberText },
  { weight: 3, arbitrary: stringText },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
)

const joinArray = (items: string[], gap: string) => `[${gap}${items.join(`${gap},${gap}`)}${gap}]`
const joinObject = (entries: [string, string][], gap: string) => `{${gap}${entries.map(([k, v]) => `${k}${gap}:${gap}${v}`).join(`${gap},${gap}`)}${gap}}`

const { value: valueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarText, tie('array'), tie('object')),
  array: fc.tuple(fc.array(tie('value'), { maxLength: 4 }), ws).map(([items, gap]) => joinArray(items, gap)),
  object: fc.tuple(fc.array(fc.tuple(keyText, tie('value')), { maxLength: 5 }), ws).map(([entries, gap]) => joinObject(entries, gap)),
}))

/** A value wrapped in `levels` arrays or objects: around the depth limit, and far beyond it. */
const deepText = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 60, max: 68 }) }, { weight: 1, arbitrary: fc.constantFrom(100, 1000, 3000, 4500) }), fc.boolean(), scalarText)
  .map(([levels, arrays, inner]) => (arrays ? `${'['.repeat(levels)}${inner}${']'.repeat(levels)}` : `${'{"d":'.repeat(levels)}${inner}${'}'.repeat(levels)}`))

const DAY = 86_400_000
/** Timestamps around now (the accepted window is 30 days back and 1 ahead by default), and outside it. */
const timestampText = (now: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -29 * DAY, max: DAY - 60_000 }).map((d) => JSON.stringify(new Date(now + d).toISOString())) },
    { weight: 2, arbitrary: fc.integer({ min: -29 * DAY, max: DAY - 60_000 }).map((d) => String(now + d)) },
    { weight: 1, arbitrary: fc.integer({ min: -400 * DAY, max: 400 * DAY }).map((d) => JSON.stringify(new Date(now + d).toISOString())) },
    { weight: 1, arbitrary: fc.constantFrom('"yesterday"', '"2024-02-30T00:00:00Z"', '0', '-1', '1.5', '253402300800000', 'null', '{}', '"1969-12-31"') },
    // Days and times that do not exist, in the forms other than the canonical one.
    { weight: 1, arbitrary: fc.integer({ min: -20, max: 0 }).map((d) => new Date(now + d * DAY).toISOString().slice(0, 8)).chain((month) => fc.constantFrom(`"${month}32"`, `"${month}31 10:00:00"`, `"${month}30T24:00:00+00:00"`, `"${month}01 23:59:60"`)) },
  )

/** A well-formed, ordinary log event: ingest must accept every one of these. */
const plainEvent = (now: number) =>
  fc
    .record({
      timestamp: fc.option(fc.integer({ min: -29 * DAY, max: DAY - 60_000 }).map((d) => new Date(now + d).toISOString()), { nil: undefined }),
      level: fc.option(fc.constantFrom('debug', 'info', 'warn', 'error'), { nil: undefined }),
      message: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      duration: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined }),
      data: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean())), { nil: undefined }),
    })
    .map((event) => JSON.stringify(event))

export interface FuzzElement {
  text: string
  /** Built by plainEvent: must be accepted. */
  plain: boolean
}

/** An element of the array: an event in one of many shapes, or not an object at all. */
const element = (now: number): fc.Arbitrary<FuzzElement> =>
  fc.oneof(
    { weight: 4, arbitrary: plainEvent(now).map((text) => ({ text, plain: true })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.array(fc.tuple(keyText, fc.oneof(valueText, valueText, timestampText(now))), { maxLength: 6 }), ws)
        .map(([entries, gap]) => ({ text: joinObject(entries, gap), plain: false })),
    },
    { weight: 1, arbitrary: fc.tuple(keyText, deepText).map(([k, v]) => ({ text: `{${k}:${v}}`, plain: false })) },
    { weight: 1, arbitrary: fc.tuple(stringText, stringText, fc.constantFrom('"duration"', '"message"', '"service"', '"timestamp"', '"a"')).map(([a, b, k]) => ({ text: `{${k}:${a},${k}:${b}}`, plain: false })) },
    { weight: 1, arbitrary: fc.oneof(scalarText, valueText).map((text) => ({ text, plain: false })) },
  )

/** A pool of elements: fast-check builds each once, requests then pick from it (building every
 *  element of 100,000 requests afresh would take longer than the whole test may). */
export function elementPool(now: number, size: number, seed: number): FuzzElement[] {
  return fc.sample(element(now), { seed, numRuns: size })
}

export type Mutation = { kind: 'none' } | { kind: 'truncate' | 'delete' | 'insert' | 'replace'; at: number; byte: number }

export interface FuzzRequest {
  elements: FuzzElement[]
  /** Whitespace between the array's tokens. */
  gaps: string[]
  bom: boolean
  mutation: Mutation
}

const MUTATION_BYTES = [0x22, 0x5c, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x3a, 0x20, 0x0a, 0x00, 0x61, 0x31, 0x2d, 0x65, 0xff, 0xc3, 0xed]

/** Requests of 1 to 8 pool elements: most as generated (their elements are known), a share mutated
 *  (then only JSON.parse knows what the elements are). */
export const fuzzRequest = (pool: readonly FuzzElement[]): fc.Arbitrary<FuzzRequest> =>
  fc.record({
    elements: fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 8 }).map((picks) => picks.map((i) => pool[i]!)),
    gaps: fc.array(ws, { minLength: 6, maxLength: 6 }),
    bom: fc.nat(19).map((n) => n === 0),
    mutation: fc.oneof(
      { weight: 7, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constantFrom('truncate', 'delete', 'insert', 'replace'), at: fc.double({ min: 0, max: 1, noNaN: true }), byte: fc.constantFrom(...MUTATION_BYTES) }) as fc.Arbitrary<Mutation>,
      },
    ),
  })

const encoder = new TextEncoder()
const BOM = new Uint8Array([0xef, 0xbb, 0xbf])

/** The request body; `mutated` when it is no longer the generated array byte for byte. */
export function bodyOf(request: FuzzRequest): { body: Uint8Array; mutated: boolean } {
  const g = (i: number) => request.gaps[i % request.gaps.length]!
  let text = `${g(0)}[${g(1)}`
  request.elements.forEach((e, i) => {
    if (i > 0) text += `${g(i + 2)},${g(i + 3)}`
    text += e.text
  })
  text += `${g(4)}]${g(5)}`
  let body: Uint8Array = encoder.encode(text)
  if (request.bom) body = concat(BOM, body)
  const m = request.mutation
  if (m.kind === 'none') return { body, mutated: false }
  const at = Math.min(body.length - 1, Math.floor(m.at * body.length))
  if (m.kind === 'truncate') body = body.subarray(0, at)
  else if (m.kind === 'delete') body = concat(body.subarray(0, at), body.subarray(at + 1))
  else if (m.kind === 'insert') body = concat(body.subarray(0, at), new Uint8Array([m.byte]), body.subarray(at))
  else body = concat(body.subarray(0, at), new Uint8Array([m.byte]), body.subarray(at + 1))
  return { body, mutated: true }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
