// chDB streams its JSON format as a whole document per block; joined, they are the document
// ClickHouse would write for the whole result.
import { describe, expect, test } from 'bun:test'
import { joinJsonDocuments } from '../../src/sink/json-chunks'

const doc = (rows: unknown[], elapsed = 0.1) =>
  `{\n\t"meta":\n\t[\n\t\t{\n\t\t\t"name": "s",\n\t\t\t"type": "String"\n\t\t}\n\t],\n\n\t"data":\n\t[\n${rows.length === 0 ? '\n' : rows.map((r) => `\t\t${JSON.stringify(r)}`).join(',\n')}\n\t],\n\n\t"rows": ${rows.length},\n\n\t"statistics":\n\t{\n\t\t"elapsed": ${elapsed}\n\t}\n}\n`

async function joined(docs: string[]): Promise<string> {
  const parts: string[] = []
  const source = (async function* () {
    for (const d of docs) yield new TextEncoder().encode(d)
  })()
  for await (const p of joinJsonDocuments(source)) parts.push(new TextDecoder().decode(p))
  return parts.join('')
}

describe('joining the JSON documents of a streamed result', () => {
  test('rows of every block, their total, the last block\'s statistics', async () => {
    const result = JSON.parse(await joined([doc([{ s: 'a' }, { s: 'b' }]), doc([{ s: 'c' }], 0.2)]))
    expect(result.data).toEqual([{ s: 'a' }, { s: 'b' }, { s: 'c' }])
    expect(result.rows).toBe(3)
    expect(result.meta).toEqual([{ name: 's', type: 'String' }])
    expect(result.statistics.elapsed).toBe(0.2)
  })
  test('empty blocks, first, between and last', async () => {
    const result = JSON.parse(await joined([doc([]), doc([{ s: 'a' }]), doc([]), doc([{ s: 'b' }]), doc([])]))
    expect(result.data).toEqual([{ s: 'a' }, { s: 'b' }])
    expect(result.rows).toBe(2)
    expect(JSON.parse(await joined([doc([])])).data).toEqual([])
  })
  test('a value holding the markers\' text, escaped, is not a seam', async () => {
    const s = '\n\t],\n\n\t"rows": 9'
    const result = JSON.parse(await joined([doc([{ s }]), doc([{ s }])]))
    expect(result.data).toEqual([{ s }, { s }])
    expect(result.rows).toBe(2)
  })
  test('nothing streamed is nothing written', async () => {
    expect(await joined([])).toBe('')
  })
})
