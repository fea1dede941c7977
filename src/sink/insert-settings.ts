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
 * - FREE_FIELD_TYPES: how `data` types the values of free fields.
 */
export function insertSettingsMap(token: string): Record<string, string | number> {
  return {
    date_time_input_format: 'best_effort',
    input_format_json_read_objects_as_strings: 1,
    type_json_skip_duplicated_paths: 1,
    allow_simdjson: 0,
    throw_on_max_partitions_per_insert_block: 0,
    ...FREE_FIELD_TYPES,
    insert_deduplication_token: token,
  }
}

/**
 * Free fields keep the type JSON gave them. The JSON type infers a type for each value from its
 * text, and by default reads `"5/6/2024"` as the DateTime 2024-06-05 (day and month swapped),
 * `"2020-01-01T05:00:00+05:00"` as 2020-01-01 00:00:00 (its zone dropped), `[true,1]` as [1,1]
 * and `[true,"a"]` as ["true","a"]. Each setting below was flipped on the embedded engine
 * (26.7) against strings shaped like dates, times and numbers, and arrays mixing bools, numbers,
 * strings, nulls, arrays and objects; these are the ones that change what `data` holds. They are
 * pinned, not left to defaults, so that a server's profile cannot change them either:
 * - no dates or date-times inferred from strings;
 * - no numbers inferred from strings (`["12",13]` as [12,13]), nor Variant types (which read
 *   `[true,1]` as [true,true]);
 * - bools are not read as numbers or strings when an array mixes them with those;
 * - an array of mixed types is Array(Dynamic), each element keeping its own type (ClickHouse
 *   25.8 and later; earlier ones make every element a string);
 * - `[]` and `[null]`, which carry no type, are taken as arrays of strings (else the row is refused);
 * - whole numbers stay integers (else an array of them beside a fraction turns Dynamic).
 * Left alone because flipping them changed nothing stored: the exponent-float, named-tuple,
 * ambiguous-path, string-to-Dynamic and `read_*_as_strings` settings. Nullable inference changes
 * type names only. Nulls inside arrays of arrays still read as `[]`: the JSON type's own
 * normalisation, which no setting changes (`_raw` keeps the event as sent).
 */
export const FREE_FIELD_TYPES: Readonly<Record<string, number>> = {
  input_format_try_infer_dates: 0,
  input_format_try_infer_datetimes: 0,
  input_format_json_try_infer_numbers_from_strings: 0,
  input_format_try_infer_variants: 0,
  input_format_json_read_bools_as_numbers: 0,
  input_format_json_read_bools_as_strings: 0,
  input_format_json_infer_array_of_dynamic_from_array_of_different_types: 1,
  input_format_json_infer_incomplete_types_as_strings: 1,
  input_format_try_infer_integers: 1,
}
