// Writes batches of v1 NDJSON rows into a dataset's table as the bytes came (ClickHouse derives
// `data` from `_raw` itself), and isolates rows ClickHouse refuses into `_dead_letter` by bisection.
import { RowsRejectedError, StoreUnavailableError } from '../errors'
import { classifyInsertError, isMissingTable } from './insert-errors'
import type { QueuedMessage } from '../queue/types'
import type { Store } from '../store/types'
import { insertSettingsMap } from './insert-settings'
import { landedIds } from './landed'
import { countRows, middleRowEnd, rowId } from './row-boundaries'
import { DEAD_LETTER_TABLE, type TableManager } from './tables'

export interface WriteResult {
  inserted: number
  deadLettered: number
}

export interface DeadLetter {
  /** `_id` of the row when it could be read, else ''. */
  id: string
  /** The refused row or message body as text. */
  row: string
  error: string
}

/** ClickHouse messages quote the failing expression at length; the row itself is kept beside it. */
const MAX_ERROR_CHARS = 2000
/** What a v1 row carries (queue/message-format.ts); `data` is derived from `_raw` by the table. */
const ROW_COLUMNS = ['_timestamp', '_service', '_namespace', '_id', '_raw'] as const
const DEAD_LETTER_COLUMNS = ['dataset', '_id', 'error', 'row'] as const

export class RowWriter {
  readonly #decoder = new TextDecoder()

  constructor(
    private readonly store: Store,
    private readonly tables: TableManager,
  ) {}

  /**
   * Inserts the rows of `bodies` (each whole NDJSON lines) into the dataset's table. The same token
   * with the same bodies lands once. Throws StoreUnavailableError when ClickHouse cannot take them
   * now; rows it refuses go to `_dead_letter` and the rest still land.
   */
  async write(dataset: string, bodies: Uint8Array[], dedupToken: string, signal?: AbortSignal, shard = 0): Promise<WriteResult> {
    const chunks = bodies.filter((b) => b.length > 0)
    if (chunks.length === 0) return { inserted: 0, deadLettered: 0 }
    try {
      await this.tables.ensure(dataset, shard)
    } catch (err) {
      throw new StoreUnavailableError(`cannot create table for dataset ${dataset}: ${messageOf(err)}`, { cause: err })
    }
    return this.#insertOrBisect(dataset, chunks, dedupToken, '', signal, shard)
  }

  /** The shard of a message: from its last event's id, which every attempt of it shares. */
  shardOf(message: QueuedMessage): number {
    return this.store.shards === 1 ? 0 : this.store.shardOf(message.lastId)
  }

  /** Which of `ids` are already stored, in the dataset's table or dead-lettered; empty when nothing exists yet. */
  landed(dataset: string, ids: string[], shard = 0): Promise<Set<string>> {
    return landedIds(this.store, this.tables.database, dataset, ids, shard)
  }

  /** Stores refused rows (or whole unreadable messages) with their reasons; idempotent per token. */
  async deadLetter(dataset: string, entries: DeadLetter[], dedupToken: string, shard = 0): Promise<void> {
    if (entries.length === 0) return
    const body = entries
      .map((e) => JSON.stringify({ dataset, _id: e.id, error: e.error.slice(0, MAX_ERROR_CHARS), row: e.row }))
      .join('\n')
    try {
      await this.tables.ensureDeadLetter(shard)
      await this.#insert(DEAD_LETTER_TABLE, DEAD_LETTER_COLUMNS, [Buffer.from(body)], dedupToken, undefined, shard)
    } catch (err) {
      if (isMissingTable(err)) this.tables.forget(DEAD_LETTER_TABLE, shard)
      // Even a "data" error here is ours, not the client's: keep the rows and retry.
      throw new StoreUnavailableError(`cannot write dead letters of ${dataset}: ${messageOf(err)}`, { cause: err })
    }
  }

  /** Each failed segment is split in two (by body, then by line), each half with its own derived
   *  token so that retrying the whole batch later replays the same inserts and dedups them. */
  async #insertOrBisect(dataset: string, chunks: Uint8Array[], token: string, path: string, signal: AbortSignal | undefined, shard: number): Promise<WriteResult> {
    const segmentToken = path === '' ? token : `${token}:${path}`
    try {
      await this.#insert(dataset, ROW_COLUMNS, chunks, segmentToken, signal, shard)
      return { inserted: countAllRows(chunks), deadLettered: 0 }
    } catch (err) {
      // Cut short by the caller: nothing is known about the rows, so nothing is bisected or dead-lettered.
      if (signal?.aborted) throw new StoreUnavailableError(`insert into ${dataset} aborted`, { cause: err })
      const failure = classifyInsertError(err)
      if (failure instanceof StoreUnavailableError) {
        if (isMissingTable(err)) this.tables.forget(dataset, shard)
        throw failure
      }
      const halves = split(chunks)
      if (!halves) return this.#deadLetterRow(dataset, chunks[0], failure, segmentToken, shard)
      const left = await this.#insertOrBisect(dataset, halves[0], token, `${path}0`, signal, shard)
      const right = await this.#insertOrBisect(dataset, halves[1], token, `${path}1`, signal, shard)
      return { inserted: left.inserted + right.inserted, deadLettered: left.deadLettered + right.deadLettered }
    }
  }

  async #deadLetterRow(dataset: string, line: Uint8Array, failure: RowsRejectedError, token: string, shard: number): Promise<WriteResult> {
    const row = this.#decoder.decode(line).replace(/\n$/, '')
    await this.deadLetter(dataset, [{ id: rowId(line, 0, line.length) ?? '', row, error: failure.message }], `${token}:dead`, shard)
    return { inserted: 0, deadLettered: 1 }
  }

  /**
   * An aborted insert rejects at once. On a server the HTTP request is cancelled (blocks already
   * written stay); embedded chDB cannot cancel a running write, which then completes in the
   * background (chdb's wrapRawNative/withAbortTimeout). Either way the caller's messages go back to
   * JetStream and the redelivery check finds whatever landed.
   */
  #insert(table: string, columns: readonly string[], chunks: Uint8Array[], token: string, signal: AbortSignal | undefined, shard: number): Promise<void> {
    return this.store.insertRows({ database: this.tables.database, table, columns, chunks, settings: insertSettingsMap(token), signal, shard })
  }
}

function countAllRows(chunks: Uint8Array[]): number {
  let rows = 0
  for (const chunk of chunks) rows += countRows(chunk)
  return rows
}

/** Halves a segment: by chunk while there are several, then at the line boundary nearest the
 *  middle of the single chunk. Undefined when the segment is one row. */
export function split(chunks: Uint8Array[]): [Uint8Array[], Uint8Array[]] | undefined {
  if (chunks.length > 1) {
    const mid = Math.ceil(chunks.length / 2)
    return [chunks.slice(0, mid), chunks.slice(mid)]
  }
  const chunk = chunks[0]
  const cut = middleRowEnd(chunk)
  if (cut === -1) return undefined
  return [[chunk.subarray(0, cut + 1)], [chunk.subarray(cut + 1)]]
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
