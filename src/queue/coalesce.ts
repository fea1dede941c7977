// Packs the chunks gathered in one turn of the event loop into JetStream messages. A chunk of a
// request sent with an Idempotency-Key goes alone, under its own msgId: a retry of that request
// must produce the same message id, or JetStream could not drop the repeat. A chunk of a request
// sent without one (ingest marks it `shareable`) may share a message with other such chunks of
// the same dataset: its retry is a new request with new ids, so nothing ever needs its message id
// again, and under many small requests one message per turn instead of one per request saves the
// NATS client, the server's store and the batcher the per-message work. A shared message is
// acknowledged as a whole, so each chunk in it is settled on the PubAck that covers its rows.
import type { BufferPool } from '../buffer-pool'
import type { OutgoingChunk } from './types'

/** Only chunks up to this share messages: larger ones gain nothing from it and would be copied. */
export const COALESCE_MAX_CHUNK_BYTES = 64 * 1024

/** One message to publish (a chunk's fields: its own, or those of the chunks it joins), and the parts whose rows it carries. */
export interface Outgoing<P> extends OutgoingChunk {
  readonly parts: readonly P[]
  /** The pooled buffer a shared body was written into: back to the pool once the message is acknowledged. */
  readonly pooled?: Buffer
}

/** Whether the chunk may share a message with others (its request has no Idempotency-Key). */
export const mayShare = (chunk: OutgoingChunk): boolean => chunk.shareable === true && chunk.body.byteLength <= COALESCE_MAX_CHUNK_BYTES

/**
 * The messages for `parts`, in order per dataset; shared bodies are at most maxMessageBytes, written
 * into buffers of `pool` when given (its buffers at least maxMessageBytes). Bodies are NDJSON rows
 * each ending in a newline (message-format.ts), so they concatenate as they are.
 */
export function coalesce<P extends { readonly chunk: OutgoingChunk }>(parts: readonly P[], maxMessageBytes: number, pool?: BufferPool): Outgoing<P>[] {
  const out: Outgoing<P>[] = []
  const open = new Map<string, { parts: P[]; bytes: number }>()
  const close = (group: { parts: P[]; bytes: number }) => out.push(shared(group.parts, group.bytes, pool))
  for (const part of parts) {
    const chunk = part.chunk
    if (!mayShare(chunk)) {
      out.push(alone(part))
      continue
    }
    let group = open.get(chunk.dataset)
    if (group !== undefined && group.bytes + chunk.body.byteLength > maxMessageBytes) {
      close(group)
      group = undefined
    }
    if (group === undefined) open.set(chunk.dataset, (group = { parts: [], bytes: 0 }))
    group.parts.push(part)
    group.bytes += chunk.body.byteLength
  }
  for (const group of open.values()) close(group)
  return out
}

function alone<P extends { readonly chunk: OutgoingChunk }>(part: P): Outgoing<P> {
  const { dataset, body, events, lastId, msgId, checkLanded } = part.chunk
  return { dataset, body, events, lastId, msgId, checkLanded, parts: [part] }
}

function shared<P extends { readonly chunk: OutgoingChunk }>(parts: P[], bytes: number, pool: BufferPool | undefined): Outgoing<P> {
  if (parts.length === 1) return alone(parts[0]!)
  // Not zeroed: every byte is written below.
  const pooled = pool !== undefined && bytes <= pool.size ? pool.take() : undefined
  const body = pooled !== undefined ? pooled.subarray(0, bytes) : Buffer.allocUnsafe(bytes)
  let offset = 0
  let events = 0
  for (const { chunk } of parts) {
    body.set(chunk.body, offset)
    offset += chunk.body.byteLength
    events += chunk.events
  }
  const first = parts[0]!.chunk
  const last = parts[parts.length - 1]!.chunk
  // Unique: the first chunk's id is (its request's base is never reused), and "+" marks a shared message.
  return { dataset: first.dataset, body, events, lastId: last.lastId, msgId: `${first.msgId}+${parts.length}`, parts, pooled }
}
