// What is left to write of redelivered messages. A message comes back when a batcher died or gave
// up while holding it, possibly after part of it landed: on a ClickHouse server an insert is atomic
// only per block and per partition, so any subset of its rows may be in. Each row is checked by its
// `_id` (in the dataset table or `_dead_letter`) and only the missing rows are written.
import { createHash } from 'node:crypto'
import type { QueuedMessage } from '../queue/types'
import { forEachRow, rowId } from '../sink/row-boundaries'
import type { TokenPart } from './dedup-token'

/** Rows of one message to write, with what the dedup token needs to know of them. */
export interface WritePart extends TokenPart {
  readonly message: QueuedMessage
  readonly body: Uint8Array
  readonly events: number
}

/** A row of a message body: where it is and its `_id` (undefined when unreadable). */
interface Row {
  index: number
  start: number
  end: number
  id: string | undefined
}

function rowsOf(body: Uint8Array): Row[] {
  const rows: Row[] = []
  forEachRow(body, (start, end) => rows.push({ index: rows.length, start, end, id: rowId(body, start, end) }))
  return rows
}

export const whole = (message: QueuedMessage): WritePart => ({ message, seq: message.seq, lastId: message.lastId, body: message.body, events: message.events })

export interface RedeliveryPlan {
  /** Messages with nothing left to write: acknowledge them. */
  done: QueuedMessage[]
  /** What still has to be written, whole or in part. */
  parts: WritePart[]
  /** Events found already stored. */
  landed: number
}

/**
 * Splits redelivered messages by what landed. `lookup` answers which of the ids are stored;
 * a row without a readable id is always written (it can only have gone to `_dead_letter` under
 * an empty id, and writing it again there is the lesser harm).
 */
export async function planRedelivered(messages: readonly QueuedMessage[], lookup: (ids: string[]) => Promise<Set<string>>): Promise<RedeliveryPlan> {
  const rowsByMessage = messages.map((m) => rowsOf(m.body))
  const ids: string[] = []
  for (const rows of rowsByMessage) for (const r of rows) if (r.id !== undefined) ids.push(r.id)
  const stored = await lookup(ids)
  const plan: RedeliveryPlan = { done: [], parts: [], landed: 0 }
  messages.forEach((message, i) => {
    const rows = rowsByMessage[i]!
    const missing = rows.filter((r) => r.id === undefined || !stored.has(r.id))
    plan.landed += rows.length - missing.length
    if (missing.length === 0) plan.done.push(message)
    else if (missing.length === rows.length) plan.parts.push(whole(message))
    else plan.parts.push(partOf(message, missing))
  })
  return plan
}

/** The missing rows of a message as one body; the token names them by their positions. */
function partOf(message: QueuedMessage, missing: Row[]): WritePart {
  const size = missing.reduce((n, r) => n + r.end - r.start, 0)
  const body = new Uint8Array(size)
  let at = 0
  for (const r of missing) {
    body.set(message.body.subarray(r.start, r.end), at)
    at += r.end - r.start
  }
  const positions = missing.map((r) => r.index).join(',')
  const rowsKey = createHash('sha256').update(positions).digest('hex').slice(0, 16)
  return { message, seq: message.seq, lastId: message.lastId, body, events: missing.length, rows: rowsKey }
}
