// Dotted keys count toward the depth limit: ClickHouse's JSON type stores {"a.b":1} as {"a":{"b":1}},
// one level per dot (every dot, escaped or not, leading, trailing or doubled), so a 40 KB key of
// 20,000 segments is 20,000 levels, and `SELECT *` on its dataset would fail for everyone. Both
// ingest paths, the single pass (event-scanner.ts) and the exact path (storage-rules.ts), count an
// event's depth as ClickHouse nests it, held here to an oracle that splits the parsed keys.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { checkEvent } from '../../src/ingest/exact-path/validate'
import { EventReader } from '../../src/ingest/fast-path/event-fields'
import { MAX_EVENT_DEPTH } from '../../src/ingest/limits'

const encoder = new TextEncoder()
const NOW = Date.UTC(2026, 5, 15, 12)

/** The exact path's problem with `text`, or undefined. */
const exact = (text: string) => {
  const bytes = encoder.encode(text)
  return checkEvent(JSON.parse(text), { bytes, start: 0, end: bytes.length, receivedMs: NOW })
}
/** Whether the single pass calls `text` valid by itself. */
const fast = (text: string) => {
  const bytes = encoder.encode(text)
  return new EventReader(NOW).read(bytes, 0) === bytes.length
}

/** The nesting ClickHouse gives a parsed value: every key split at each dot, the event being level 1. */
function storedDepth(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(storedDepth))
  if (typeof value !== 'object' || value === null) return 0
  return 1 + Math.max(0, ...Object.entries(value).map(([key, v]) => key.split('.').length - 1 + storedDepth(v)))
}

const segments = (n: number, name = 'a') => Array.from({ length: n }, () => name).join('.')
const objects = (n: number, inner = '1') => `${'{"b":'.repeat(n)}${inner}${'}'.repeat(n)}`

/** Events exactly at the limit (accepted) and one level past it (refused), the levels made in different ways. */
const AT_LIMIT: [string, string][] = [
  ['a key of 64 segments', `{"${segments(64)}":1}`],
  ['a dotted key holding objects', `{"${segments(32)}":${objects(32)}}`],
  ['dotted keys at every level', `{"a.b":${'{"c.d":'.repeat(31)}1${'}'.repeat(31)}}`],
  // One level down: an escaped top-level key always takes the exact path.
  ['dots escaped as \\u002e', `{"x":{"${segments(63).replace(/\./g, '\\u002e')}":1}}`],
  ['a key of dots only', `{"${'.'.repeat(63)}":1}`],
  ['dotted keys inside arrays', `{"x":[[{"${segments(61)}":1}]]}`],
  ['an empty container at the bottom', `{"${segments(63)}":{}}`],
]

describe('dotted keys count toward the depth limit', () => {
  test.each(AT_LIMIT)(`%s: ${MAX_EVENT_DEPTH} levels once split is accepted by both paths, one more is refused by both`, (_, text) => {
    expect(storedDepth(JSON.parse(text))).toBe(MAX_EVENT_DEPTH)
    expect(exact(text)).toBeUndefined()
    expect(fast(text)).toBe(true)
    // One level more: a further dot in the first key (or a further object around its value).
    const deeper = text.includes('[[{"') ? text.replace('[[{"', '[[{"a.') : text.replace('{"', '{"a.')
    expect(storedDepth(JSON.parse(deeper))).toBe(MAX_EVENT_DEPTH + 1)
    expect(exact(deeper)?.error).toContain(`more than ${MAX_EVENT_DEPTH} levels deep`)
    expect(fast(deeper)).toBe(false)
  })

  test('the 40 KB key of 20,000 segments is refused with a sentence that names it briefly', () => {
    const key = segments(20_000)
    const problem = exact(`{"${key}":1}`)
    expect(fast(`{"${key}":1}`)).toBe(false)
    expect(problem?.field).toBe(`${key.slice(0, 100)}…`)
    expect(problem?.error).toBe(
      `Field "${key.slice(0, 100)}…" nests more than ${MAX_EVENT_DEPTH} levels deep once its keys are split at their dots (ClickHouse stores a key "a.b" as "a" holding "b", one level per dot); an event may nest at most ${MAX_EVENT_DEPTH} levels: use fewer dots in keys, or nest less.`,
    )
  })

  test('a dotted key deep inside is blamed on the top-level field above it, and a repeat cannot hide it', () => {
    expect(exact(`{"ok":1,"top":{"x":[{"${segments(70)}":1}]}}`)?.field).toBe('top')
    expect(exact(`{"a":{"${segments(70)}":1},"a":1}`)?.field).toBe('a')
    expect(exact(`{"top":[{"${segments(70)}":1}],"b":2}`)?.error).toContain('split at their dots')
  })

  test('dots in values, and keys that come after a deep dotted one, add nothing', () => {
    for (const text of [`{"m":"${segments(200)}","n":["${'.'.repeat(100)}"]}`, `{"${segments(63)}":1,"b":${objects(62)}}`, `[1,{"${segments(62)}":1},[[]]]`.replace(/^/, '{"x":').replace(/$/, '}')]) {
      expect({ text, exact: exact(text), fast: fast(text) }).toEqual({ text, exact: undefined, fast: true })
    }
  })

  test('both paths judge depth as ClickHouse nests it, for chains of arrays, objects and dotted keys (property)', () => {
    const step = fc.oneof(fc.constant({ array: true, dots: 0, escape: false }), fc.record({ array: fc.constant(false), dots: fc.nat(12), escape: fc.boolean() }))
    const end = fc.constantFrom('1', '"a.b.c"', '{}', '[]', 'null', '{"k.k":[]}')
    let refused = 0
    fc.assert(
      fc.property(fc.nat(12), fc.array(step, { minLength: 4, maxLength: 28, size: 'max' }), end, (topDots, steps, inner) => {
        let text: string = inner
        for (const s of [...steps].reverse()) {
          const key = segments(s.dots + 1, 'k').replace(/\./g, s.escape ? '\\u002e' : '.')
          text = s.array ? `[${text}]` : `{"${key}":${text}}`
        }
        text = `{"${segments(topDots + 1, 't')}":${text}}`
        const deep = storedDepth(JSON.parse(text)) > MAX_EVENT_DEPTH
        if (deep) refused++
        expect({ text, refused: exact(text) !== undefined }).toEqual({ text, refused: deep })
        if (deep) expect(fast(text)).toBe(false)
        else expect(fast(text)).toBe(true)
      }),
      { numRuns: 5000 },
    )
    // Not vacuous: about half of the chains pass the limit.
    expect(refused).toBeGreaterThan(1500)
    expect(refused).toBeLessThan(3500)
  })
})
