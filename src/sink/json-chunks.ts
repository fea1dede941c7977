// chDB's streaming query writes its JSON format as one whole document per block of rows. This
// joins those documents into the one document ClickHouse's JSON format is: the first document's
// head (meta), every document's rows, their total, and the last document's statistics.
//
// The seams are found by text, not by parsing: ClickHouse writes the markers below with raw line
// breaks and tabs, which a string value can only hold escaped (\n, \t), so no value can fake one.

const DATA_OPEN = '\n\t"data":\n\t[\n'
const DATA_CLOSE = '\n\t],\n\n\t"rows": '

/** The documents' rows as one JSON document, written as the documents arrive. */
export async function* joinJsonDocuments(documents: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let total = 0
  let tail: string | undefined
  let wroteRow = false
  for await (const bytes of documents) {
    // Each document is whole, so it decodes on its own.
    const text = decoder.decode(bytes)
    const open = text.indexOf(DATA_OPEN)
    const close = text.indexOf(DATA_CLOSE, open)
    if (open === -1 || close === -1) throw new Error('chDB streamed a JSON document without its data array')
    if (tail === undefined) yield encoder.encode(text.slice(0, open + DATA_OPEN.length))
    // An empty array is written as "[\n\n\t]": its rows are the empty line.
    const rows = text.slice(open + DATA_OPEN.length, close).replace(/^\n$/, '')
    if (rows.length > 0) {
      yield encoder.encode(wroteRow ? `,\n${rows}` : rows)
      wroteRow = true
    }
    const after = text.slice(close + DATA_CLOSE.length)
    const digits = /^[0-9]+/.exec(after)?.[0] ?? '0'
    total += Number(digits)
    tail = after.slice(digits.length)
  }
  if (tail === undefined) return
  yield encoder.encode(`${wroteRow ? '' : '\n'}${DATA_CLOSE}${total}${tail}`)
}
