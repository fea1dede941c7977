// An insert as SQL through @clickhouse/client: `INSERT ... SETTINGS ... FORMAT JSONEachRow` with the
// rows streamed as its body. A server's only insert, and the embedded engine's for names chDB's raw
// insert cannot take.
import { Readable } from 'node:stream'
import type { ClickHouseClient } from '@clickhouse/client'
import { qualified, settingsClause } from './sql-text'
import type { InsertRowsRequest } from './types'

const NEWLINE = new Uint8Array([0x0a])

/**
 * An aborted insert rejects at once. On a server the HTTP request is cancelled (blocks already
 * written stay); the caller's messages go back to JetStream and the redelivery check finds
 * whatever landed.
 */
export async function sqlInsert(client: ClickHouseClient, r: InsertRowsRequest): Promise<void> {
  const result = await client.exec({
    query: `INSERT INTO ${qualified(r.database, r.table)} (${r.columns.join(', ')}) SETTINGS ${settingsClause(r.settings)} FORMAT JSONEachRow`,
    values: Readable.from(separated(r.chunks)),
    abort_signal: r.signal,
  })
  // The response body is empty for an INSERT, but it must be consumed to release the socket.
  for await (const _ of result.stream) void _
}

/** Yields the chunks with a newline between any two where the first lacks one, so rows never merge. */
function* separated(chunks: readonly Uint8Array[]): Generator<Uint8Array> {
  for (const chunk of chunks) {
    yield chunk
    if (chunk[chunk.length - 1] !== 0x0a) yield NEWLINE
  }
}
