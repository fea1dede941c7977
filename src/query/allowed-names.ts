// The tables and table functions POST /query may name, by name: anything not here (file, url, s3,
// remote, mysql, executable, a table function added by a later ClickHouse...) is refused. Ordinary
// functions have their own allowlist (function-allowlist.ts).

/** Table functions that generate data in memory and touch nothing else. */
export const ALLOWED_TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateseries', 'values'])

/** Functions whose second argument may name a table (`x IN db.t`). */
export const IN_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin'])

/** System tables that help people explore their data without revealing the host. */
export const ALLOWED_SYSTEM_TABLES = new Set(['one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'tables', 'columns', 'parts', 'functions', 'table_functions', 'data_type_families'])

/** System tables with columns that reveal the host's paths and disks: read only by naming columns, and not those. */
export const TABLES_WITH_HOST_COLUMNS = new Set(['tables', 'parts'])

/** Those columns (system.tables: data_paths, metadata_path, storage_policy; system.parts: path, disk_name). */
export const HOST_COLUMNS = new Set(['data_paths', 'metadata_path', 'storage_policy', 'path', 'disk_name'])
