// The settings of every insert into a dataset table: how ClickHouse reads the v1 rows. They decide
// what the table accepts, so they change together with the ingest rules that keep the two in step.

/**
 * Per-insert settings go in the query's SETTINGS clause, not clickhouse_settings: chDB applies
 * clickhouse_settings as session-wide SETs, so a dedup token would leak into the next insert.
 * - best-effort times: any timestamp shape ClickHouse understands rather than failing a whole batch
 *   on one (also a client default, DEFAULT_SETTINGS; repeated here for chDB's raw insert, which
 *   does not go through the client).
 * - objects read as strings: `_raw` keeps the event's exact bytes.
 * - skip duplicated paths: `{"k":1,"k":2}` is valid JSON and keeps its exact `_raw`; without this
 *   the JSON column refuses it (INCORRECT_DATA).
 * - no simdjson: its parser refuses integers beyond 64 bits (valid JSON, `"id":123456789012345678901234567890`);
 *   the fallback parser reads them as Float64. Measured: no throughput difference on chDB.
 * - no partition limit per insert: a batch of events spanning 100+ days would otherwise fail with
 *   TOO_MANY_PARTS, which we retry as overload.
 */
export function insertSettingsMap(token: string): Record<string, string | number> {
  return {
    date_time_input_format: 'best_effort',
    input_format_json_read_objects_as_strings: 1,
    type_json_skip_duplicated_paths: 1,
    allow_simdjson: 0,
    throw_on_max_partitions_per_insert_block: 0,
    insert_deduplication_token: token,
  }
}

/** The same settings as a SETTINGS clause body, string values quoted. */
export function insertSettings(token: string): string {
  return Object.entries(insertSettingsMap(token))
    .map(([name, value]) => `${name} = ${typeof value === 'number' ? value : quote(value)}`)
    .join(', ')
}

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
