// Which rows of redelivered messages are already stored. Rows are looked up by the request they
// came from, not one by one: the ids sluice makes are `<32 hex of the request>-<index>` (ingest/
// enrich.ts), so one key per request finds every stored row of it, through the table's index on
// that key (tables.ts REQUEST_INDEX). Measured on the embedded engine against 2M stored rows: 96k
// ids one by one (`_id IN` lists of 5,000) took 1.7-5 s; their 32 request keys 120-310 ms without
// the index, 40-76 ms with it. Any function of the id would be sound here (an id stored and asked
// for always shares its key); the request prefix only keeps the answer small.
import { StoreUnavailableError } from '../errors'
import { isMissingTable } from './insert-errors'
import type { Store } from '../store/types'
import { DEAD_LETTER_TABLE, REQUEST_KEY_CHARS } from './tables'

/** Keys or ids per lookup query: a server takes query parameters in the URL (http_max_uri_size, 1 MiB by default). */
export const LANDED_IDS_PER_QUERY = 5000

/** Ids that need no escaping; only they go by request key (`substring` in SQL counts bytes, JS slices UTF-16). */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,128}$/

/** `('a','b',...)` when every id is a plain word that needs no escaping, else undefined. */
export function plainIdList(ids: readonly string[]): string | undefined {
  if (ids.length === 0) return undefined
  for (const id of ids) if (!PLAIN_ID.test(id)) return undefined
  return `('${ids.join("','")}')`
}

/** The request keys of the plain ids, and the other ids (looked up one by one). */
export function byRequest(ids: readonly string[]): { keys: string[]; others: string[] } {
  const keys = new Set<string>()
  const others: string[] = []
  for (const id of ids) {
    if (PLAIN_ID.test(id)) keys.add(id.slice(0, REQUEST_KEY_CHARS))
    else others.push(id)
  }
  return { keys: [...keys], others }
}

/** Which of `ids` are stored in the dataset's table or dead-lettered; empty when nothing exists yet. */
export async function landedIds(store: Store, database: string, dataset: string, ids: readonly string[], shard = 0): Promise<Set<string>> {
  const wanted = new Set(ids)
  const found = new Set<string>()
  const { keys, others } = byRequest(ids)
  const where: [string, readonly string[]][] = [
    [`substring(_id, 1, ${REQUEST_KEY_CHARS})`, keys],
    ['_id', others],
  ]
  for (const [expr, values] of where) {
    for (let from = 0; from < values.length; from += LANDED_IDS_PER_QUERY) {
      const part = values.slice(from, from + LANDED_IDS_PER_QUERY)
      for (const id of await lookup(store, database, dataset, expr, part, shard)) if (wanted.has(id)) found.add(id)
    }
  }
  return found
}

async function lookup(store: Store, database: string, dataset: string, expr: string, values: string[], shard: number): Promise<string[]> {
  // Plain words go into the query as literals, where the client's parameter escaping of thousands
  // of them per check took a fifth of the embedded engine's CPU after a start.
  const literal = plainIdList(values)
  const list = literal ?? '{values:Array(String)}'
  const params = literal ? {} : { values }
  const queries: [string, Record<string, unknown>][] = [
    [`SELECT _id FROM ${store.shardTable(database, dataset)} WHERE ${expr} IN ${list}`, params],
    [`SELECT _id FROM ${store.shardTable(database, DEAD_LETTER_TABLE)} WHERE dataset = {dataset:String} AND ${expr} IN ${list}`, { ...params, dataset }],
  ]
  const ids: string[] = []
  for (const [query, query_params] of queries) {
    try {
      const rows = await store.queryRows<[string]>(query, query_params, shard)
      for (const [id] of rows) ids.push(id)
    } catch (err) {
      if (isMissingTable(err)) continue
      throw new StoreUnavailableError(`cannot look up landed events of ${dataset}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  }
  return ids
}
