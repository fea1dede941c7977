// The names POST /query may use. Table functions are an allowlist: anything not named here (file,
// url, s3, remote, mysql, executable, a function added by a later ClickHouse...) is refused.
// Ordinary functions are open, except those that read the host, its settings and identity, files,
// dictionaries (external sources), other tables by name or Keeper.

/** Table functions that generate data in memory and touch nothing else. */
export const ALLOWED_TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateseries', 'values'])

/** Ordinary functions refused wherever they appear (lower case; ClickHouse matches some names case-insensitively). */
export const REFUSED_FUNCTIONS = new Set(
  [
    // files and models on the host
    'file', 'catboostEvaluate',
    // other tables and servers by name
    'joinGet', 'joinGetOrNull', 'hasColumnInTable', 'hasColumnInTableOrNull',
    // settings, identity and the host
    'getSetting', 'getSettingOrDefault', 'getServerSetting', 'getMergeTreeSetting', 'getMacro', 'getServerPort', 'tcpPort',
    'hostName', 'fullHostName', 'FQDN', 'serverUUID', 'buildId', 'getOSKernelVersion', 'showCertificate', 'getClientHTTPHeader',
    'currentUser', 'current_user', 'user', 'authenticatedUser', 'authUser', 'session_user',
    'currentRoles', 'enabledRoles', 'defaultRoles', 'currentProfiles', 'enabledProfiles', 'defaultProfiles',
    'filesystemAvailable', 'filesystemCapacity', 'filesystemUnreserved', 'uptime', 'zookeeperSessionUptime',
    'shardNum', 'shardCount', 'addressToLine', 'addressToLineWithInlines', 'addressToSymbol', 'demangle', 'trace',
    // the host's name under another name
    'displayName',
    // quadratic in their arguments' length: one row of two 64 KB strings took 7-9 s, and the time
    // limit is only checked between blocks of rows, so a few rows ran for many times QUERY_TIMEOUT_MS
    'editDistance', 'editDistanceUTF8', 'levenshteinDistance', 'levenshteinDistanceUTF8', 'damerauLevenshteinDistance',
    'jaroSimilarity', 'jaroWinklerSimilarity', 'stringJaccardIndex', 'stringJaccardIndexUTF8',
    // writes: Keeper counters, the server log
    'generateSerialID', 'logTrace',
  ].map((n) => n.toLowerCase()),
)

/** Prefixes of refused function families (dictGet, dictGetString, dictHas, ...). */
export const REFUSED_FUNCTION_PREFIXES = ['dict']

/** Functions whose second argument may name a table (`x IN db.t`). */
export const IN_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin'])

/** System tables that help people explore their data without revealing the host. */
export const ALLOWED_SYSTEM_TABLES = new Set(['one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'tables', 'columns', 'parts', 'functions', 'table_functions', 'data_type_families'])

/** System tables with columns that reveal the host's paths and disks: read only by naming columns, and not those. */
export const TABLES_WITH_HOST_COLUMNS = new Set(['tables', 'parts'])

/** Those columns (system.tables: data_paths, metadata_path, storage_policy; system.parts: path, disk_name). */
export const HOST_COLUMNS = new Set(['data_paths', 'metadata_path', 'storage_policy', 'path', 'disk_name'])
