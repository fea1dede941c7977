// What every @clickhouse/client sluice opens shares, on both backends.
import type { ClickHouseSettings } from '@clickhouse/client'

/** Large batches (32 MB by default) can take seconds on a busy server; a hung socket must still fail. */
export const REQUEST_TIMEOUT_MS = 120_000

/** Settings every query of the writer gets, on both backends. */
export const DEFAULT_SETTINGS: ClickHouseSettings = {
  // Accept any timestamp shape ClickHouse understands rather than failing a whole batch on one.
  date_time_input_format: 'best_effort',
  // Dynamic JSON paths have type Dynamic; without these, GROUP BY / ORDER BY on them is refused.
  allow_suspicious_types_in_group_by: 1,
  allow_suspicious_types_in_order_by: 1,
  // `_raw` arrives as a JSON object in each row and must be stored as its exact text.
  input_format_json_read_objects_as_strings: 1,
}
