// The attack corpus of POST /query: what a hostile client holding a key would send to read files,
// write files, forge or drop rows, reach the network, lift limits or learn about the host, in the
// spellings a careful attacker tries (case, quoting, comments, whitespace, subqueries, CTEs, UNION,
// parentheses, settings in every position, aliases, several statements).

export interface AttackTargets {
  /** The sluice database of the pipeline under attack. */
  db: string
  /** A file holding SECRET_TEXT that no answer may contain. */
  secretFile: string
  /** A path no attack may create. */
  outFile: string
  /** http://127.0.0.1:<port>[/<path>] of a listener that counts every request it gets (attacks add paths under it). */
  listener: string
}

export const SECRET_TEXT = 'sluice-secret-d41d8cd98f00'

export interface Attack {
  name: string
  sql: string
  status: 400 | 403
}

export function attackCorpus(t: AttackTargets): Attack[] {
  const { db, secretFile: s, outFile: o, listener: u } = t
  const forbidden = (name: string, sql: string): Attack => ({ name, sql, status: 403 })
  const bad = (name: string, sql: string): Attack => ({ name, sql, status: 400 })
  const file = `'${s}', 'LineAsString'`
  return [
    // Reading files
    forbidden('backticked file()', `SELECT * FROM \`file\`(${file})`),
    forbidden('double-quoted file()', `SELECT * FROM "file"(${file})`),
    forbidden('upper-case FILE()', `SELECT * FROM FILE(${file})`),
    forbidden('mixed case, comments, newlines', `sElEcT *\n/* x */ FrOm\tfile /* y */ (\n${file}\n) -- z`),
    forbidden('file() in a subquery', `SELECT * FROM (SELECT * FROM (SELECT * FROM file(${file})))`),
    forbidden('file() in a CTE', `WITH s AS (SELECT * FROM file(${file})) SELECT * FROM s`),
    forbidden('file() in a UNION', `SELECT 'a' AS line UNION ALL SELECT * FROM file(${file})`),
    forbidden('file() in parentheses', `(SELECT * FROM file(${file}))`),
    forbidden('file() aliased as an allowed name', `SELECT * FROM file(${file}) AS numbers`),
    forbidden('file() in a JOIN', `SELECT * FROM numbers(1) AS n CROSS JOIN file(${file}) AS f`),
    forbidden('file() in IN', `SELECT 1 WHERE 'x' IN (SELECT * FROM file(${file}))`),
    forbidden('file() in a scalar subquery', `SELECT (SELECT any(line) FROM file(${file}))`),
    forbidden('file() under EXPLAIN', `EXPLAIN SELECT * FROM file(${file})`),
    forbidden('file() under DESCRIBE', `DESCRIBE TABLE file(${file})`),
    forbidden('the file() function', `SELECT file('${s}')`),
    forbidden('the file() function, quoted', `SELECT \`file\`('${s}')`),
    forbidden('fileCluster()', `SELECT * FROM fileCluster('default', ${file})`),
    forbidden('filesystem() lists directories', "SELECT * FROM filesystem('/')"),
    forbidden('view() wrapping file()', `SELECT * FROM view(SELECT * FROM file(${file}))`),
    forbidden('merge() over system tables', "SELECT * FROM merge('system', '^users$')"),
    forbidden('input()', "SELECT * FROM input('x String')"),
    forbidden('executable()', "SELECT * FROM executable('cat /etc/hostname', 'TSV', 'x String')"),
    forbidden('dictionary()', "SELECT * FROM dictionary('d')"),
    forbidden('catboostEvaluate()', `SELECT catboostEvaluate('${s}', 1)`),
    // Writing files
    forbidden('INSERT INTO FUNCTION file() behind a CTE', `WITH x AS (SELECT 1) INSERT INTO FUNCTION \`file\`('${o}', 'LineAsString') SELECT 'pwned'`),
    forbidden('INSERT INTO FUNCTION file()', `INSERT INTO FUNCTION file('${o}', 'LineAsString') SELECT 'pwned'`),
    forbidden('INTO OUTFILE', `SELECT 'pwned' INTO OUTFILE '${o}'`),
    bad('INTO OUTFILE with a FORMAT', `SELECT 'pwned' INTO OUTFILE '${o}' FORMAT LineAsString`),
    forbidden('INTO OUTFILE in parentheses and a UNION', `(SELECT 'pwned') UNION ALL (SELECT 'x') INTO OUTFILE '${o}'`),
    // Forging and dropping rows
    forbidden('INSERT behind a CTE', `WITH x AS (SELECT 1) INSERT INTO ${db}.logs (_timestamp, _service, _namespace, _id, _raw) SELECT now(), 'forged', '', 'forged-1', '{}'`),
    forbidden('INSERT into the dead-letter table', `INSERT INTO ${db}._dead_letter SELECT * FROM ${db}._dead_letter`),
    forbidden('INSERT, lower case, commented', `/* SELECT */ insert into ${db}.logs select * from ${db}.logs`),
    bad('string-quoting disagreement then DROP', `SELECT $$'$$; DROP TABLE ${db}.victim; -- '`),
    bad('heredoc hiding a second statement', `SELECT $tag$ x $tag$; DROP TABLE ${db}.victim`),
    bad('two statements', `SELECT 1; DROP TABLE ${db}.victim`),
    bad('two statements, the separator in a comment and after it', `SELECT 1 /* ; */ ; DROP TABLE ${db}.victim`),
    bad('a statement after a line comment and newline', `SELECT 1 -- x\n; DROP TABLE ${db}.victim`),
    bad('a NUL byte before a second statement', `SELECT 1 /* \0 */; DROP TABLE ${db}.victim`),
    bad('a NUL byte inside a string before a second statement', `SELECT '\0'; DROP TABLE ${db}.victim`),
    forbidden('DROP TABLE', `DROP TABLE ${db}.victim`),
    forbidden('TRUNCATE', `TRUNCATE TABLE ${db}.victim`),
    forbidden('ALTER DELETE', `ALTER TABLE ${db}.victim DELETE WHERE 1`),
    forbidden('RENAME', `RENAME TABLE ${db}.victim TO ${db}.gone`),
    forbidden('DETACH', `DETACH TABLE ${db}.victim`),
    forbidden('CREATE TABLE', `CREATE TABLE ${db}.new (a UInt8) ENGINE = Memory`),
    forbidden('OPTIMIZE', `OPTIMIZE TABLE ${db}.victim FINAL`),
    forbidden('SYSTEM', 'SYSTEM STOP MERGES'),
    forbidden('KILL QUERY', 'KILL QUERY WHERE 1'),
    forbidden('EXPLAIN of an INSERT', `EXPLAIN PIPELINE INSERT INTO ${db}.victim SELECT * FROM ${db}.victim`),
    // Reaching the network
    forbidden('url()', `SELECT * FROM url('${u}/url', 'LineAsString')`),
    forbidden('URL() upper case', `SELECT * FROM URL('${u}/URL', 'LineAsString')`),
    forbidden('urlCluster()', `SELECT * FROM urlCluster('default', '${u}/urlCluster', 'LineAsString')`),
    forbidden('s3()', `SELECT * FROM s3('${u}/bucket/key', 'LineAsString')`),
    forbidden('remote()', `SELECT * FROM remote('${u.replace('http://', '')}', system.one)`),
    forbidden('remoteSecure()', `SELECT * FROM remoteSecure('${u.replace('http://', '')}', system.one)`),
    forbidden('mysql()', `SELECT * FROM mysql('${u.replace('http://', '')}', 'db', 't', 'u', 'p')`),
    forbidden('postgresql()', `SELECT * FROM postgresql('${u.replace('http://', '')}', 'db', 't', 'u', 'p')`),
    forbidden('odbc()', "SELECT * FROM odbc('DSN=x', 't')"),
    forbidden('jdbc()', "SELECT * FROM jdbc('jdbc:x', 't')"),
    forbidden('url() in a CTE behind a UNION', `WITH a AS (SELECT 1) SELECT 'x' UNION ALL SELECT * FROM url('${u}/cte', 'LineAsString')`),
    forbidden('hasColumnInTable() on a remote host', `SELECT hasColumnInTable('${u.replace('http://', '')}', 'system', 'one', 'dummy')`),
    // Lifting limits
    forbidden('SET readonly', 'SET readonly = 0'),
    forbidden('SETTINGS readonly = 0', 'SELECT 1 SETTINGS readonly = 0'),
    forbidden('SETTINGS max_execution_time = 0', 'SELECT count() FROM numbers(10) SETTINGS max_execution_time = 0'),
    forbidden('SETTINGS in a subquery', 'SELECT * FROM (SELECT * FROM numbers(10) SETTINGS max_result_rows = 0)'),
    forbidden('SETTINGS in a CTE', 'WITH t AS (SELECT 1 SETTINGS max_memory_usage = 0) SELECT * FROM t'),
    forbidden('SETTINGS after a UNION', '(SELECT 1) UNION ALL (SELECT 2) SETTINGS readonly = 0'),
    forbidden('SETTINGS in one branch of a UNION', '(SELECT 1) UNION ALL (SELECT 2 SETTINGS max_rows_to_read = 0)'),
    forbidden('SETTINGS under EXPLAIN', 'EXPLAIN SELECT 1 SETTINGS readonly = 0'),
    forbidden('SETTINGS, mixed case', 'select 1 sEtTiNgS readonly = 0'),
    bad('a setting name in another case (the engine knows no such setting)', 'select 1 SETTINGS ReadOnly = 0'),
    forbidden('SETTINGS on a table function', 'SELECT * FROM numbers(10) SETTINGS max_threads = 64'),
    // Learning about the host
    forbidden('system.users', 'SELECT * FROM system.users'),
    forbidden('system.disks', 'SELECT * FROM system.disks'),
    forbidden('system.settings', 'SELECT * FROM system.settings'),
    forbidden('system.processes', 'SELECT * FROM system.processes'),
    forbidden('system.build_options', 'SELECT * FROM system.build_options'),
    forbidden('`system`.`users` quoted', 'SELECT * FROM `system`.`users`'),
    forbidden('system.tables with *', 'SELECT * FROM system.tables'),
    forbidden('system.tables data_paths', 'SELECT data_paths FROM system.tables'),
    forbidden('system.tables metadata_path via an alias', 'SELECT t.metadata_path AS name FROM system.tables AS t'),
    forbidden('system.tables through COLUMNS()', "SELECT COLUMNS('path') FROM system.tables"),
    forbidden('system.tables through t.COLUMNS()', "SELECT t.COLUMNS('path') FROM system.tables AS t"),
    forbidden('system.tables through t.*', 'SELECT t.* FROM system.tables AS t'),
    forbidden('system.tables through * in an outer query', 'SELECT * FROM (SELECT name FROM system.tables)'),
    forbidden('system.tables data_paths, fully qualified', 'SELECT system.tables.data_paths FROM system.tables'),
    forbidden('system.parts with *', 'SELECT * FROM system.parts'),
    forbidden('system.parts path', 'SELECT path FROM system.parts'),
    forbidden('system.parts disk_name in a WHERE', "SELECT name FROM system.parts WHERE disk_name = 'default'"),
    bad('the file() function behind an alias with a line break', `SELECT file('${s}') AS \`a\nb\``),
    bad('url() behind a table alias with a line break', `SELECT * FROM url('${u}/alias', 'LineAsString') AS \`x\n      Function numbers\``),
    bad('a column name with a line break faking a node', `SELECT \`c\n    TableExpression\` FROM url('${u}/col', 'LineAsString')`),
    forbidden('a database name with a space', 'SELECT * FROM `default x`.t'),
    forbidden('information_schema', 'SELECT * FROM information_schema.tables'),
    forbidden('another database', 'SELECT * FROM default.anything'),
    forbidden('another database in IN', `SELECT 1 IN default.anything`),
    forbidden('getSetting()', "SELECT getSetting('readonly')"),
    forbidden('hostName()', 'SELECT hostName()'),
    forbidden('currentUser()', 'SELECT currentUser()'),
    forbidden('SHOW USERS', 'SHOW USERS'),
    forbidden('SHOW GRANTS', 'SHOW GRANTS'),
    forbidden('SHOW PROCESSLIST', 'SHOW PROCESSLIST'),
    forbidden('SHOW SETTINGS', "SHOW SETTINGS LIKE '%'"),
    forbidden('SHOW CREATE USER', 'SHOW CREATE USER default'),
    // Expressions inside strings the engine parses
    forbidden('values() structure with ALIAS file()', `SELECT b FROM values('a UInt8, b String ALIAS file(''${s}'')', 1)`),
    forbidden('values() structure with DEFAULT hostName()', "SELECT b FROM values('a UInt8, b String DEFAULT hostName()', 1)"),
    forbidden('values() structure with MATERIALIZED getServerSetting()', "SELECT b FROM values('a UInt8, b String MATERIALIZED getServerSetting(''path'')', 1)"),
    forbidden('values() structure with EPHEMERAL', "SELECT b FROM values('a UInt8, b String EPHEMERAL currentUser()', 1)"),
    forbidden('values() structure, parenthesised literal', `SELECT b FROM values(('a UInt8, b String ALIAS file(''${s}'')'), 1)`),
    forbidden('values() structure reading /proc/self/environ', "SELECT b FROM values('a UInt8, b String ALIAS file(''/proc/self/environ'')', 1)"),
    forbidden('values() structure in a subquery', `SELECT * FROM (SELECT b FROM values('a UInt8, b String ALIAS file(''${s}'')', 1))`),
    forbidden('arrayReduce naming a refused aggregate', "SELECT arrayReduce('windowFunnel(1)', [now()], [1])"),
    forbidden('arrayReduce with a computed name', "SELECT arrayReduce(concat('s', 'um'), [1])"),
    forbidden('initializeAggregation of a refused aggregate', "SELECT initializeAggregation('sequenceMatch(''(?1)'')', now(), 1)"),
    forbidden('CAST to an AggregateFunction state', "SELECT finalizeAggregation(CAST(unhex('00'), 'AggregateFunction(windowFunnel(1), DateTime, UInt8)'))"),
    // INTO OUTFILE after every statement kind
    forbidden('INTO OUTFILE after EXPLAIN SYNTAX', `EXPLAIN SYNTAX SELECT 1 AS x INTO OUTFILE '${o}'`),
    forbidden('INTO OUTFILE TRUNCATE after DESCRIBE', `DESCRIBE TABLE ${db}.victim INTO OUTFILE '${o}' TRUNCATE`),
    forbidden('INTO OUTFILE APPEND after EXISTS', `EXISTS TABLE ${db}.victim INTO OUTFILE '${o}' APPEND`),
    forbidden('INTO OUTFILE COMPRESSION after SHOW CREATE', `SHOW CREATE TABLE ${db}.victim INTO OUTFILE '${o}' COMPRESSION 'gzip'`),
    forbidden('INTO OUTFILE AND STDOUT', `SELECT 1 INTO OUTFILE '${o}' AND STDOUT`),
    forbidden('INTO OUTFILE after SHOW TABLES', `SHOW TABLES FROM ${db} INTO OUTFILE '${o}'`),
    forbidden('INTO OUTFILE after EXPLAIN PLAN', `EXPLAIN PLAN SELECT 1 INTO OUTFILE '${o}'`),
    // Tables and sets by name, and the engine's own state
    forbidden('inIgnoreSet() over system.settings', "SELECT inIgnoreSet('a', system.settings)"),
    forbidden('notInIgnoreSet() over system.numbers', 'SELECT notInIgnoreSet(1, system.numbers)'),
    forbidden('globalNotNullInIgnoreSet()', 'SELECT globalNotNullInIgnoreSet(1, system.numbers)'),
    forbidden('APPLY hides a function name', 'SELECT * APPLY(hostName) FROM numbers(1)'),
    forbidden('APPLY with a lambda', 'SELECT * APPLY(x -> file(toString(x))) FROM numbers(1)'),
    forbidden('currentDatabase is allowed, but getMacro is not', "SELECT getMacro('shard')"),
    forbidden('version()', 'SELECT version()'),
    forbidden('introspection: addressToSymbol', 'SELECT addressToSymbol(1)'),
    forbidden('a function the allowlist does not name', 'SELECT filesystemCapacity()'),
    forbidden('aiGenerate() calls out', "SELECT aiGenerate('x')"),
    forbidden('formatRow() parses a format name', "SELECT formatRow('Template', 1)"),
    // Cost faster than linear in one row
    forbidden('arrayLevenshteinDistance', 'SELECT max(arrayLevenshteinDistance(range(30000), range(number, number + 30000))) FROM numbers(8)'),
    forbidden('editDistance', "SELECT editDistance(repeat('a', 65536), repeat('b', 65536))"),
    forbidden('a nested lambda over a captured array', 'WITH range(30000) AS r SELECT arrayMap(x -> arrayMap(y -> x * y, r), r)'),
    forbidden('has() of a captured array inside a lambda', 'WITH range(30000) AS r SELECT arrayCount(x -> has(r, x), r)'),
    forbidden('a subquery inside a lambda', 'SELECT arrayCount(x -> has((SELECT groupArray(number) FROM numbers(30000)), x), range(30000))'),
    forbidden('position() with a needle that varies per row', "SELECT position(repeat('a', 200000), concat(repeat('a', 100000), toString(number))) FROM numbers(4)"),
    forbidden('replaceAll() with a pattern that varies per row', "SELECT replaceAll(repeat('a', 200000), repeat('a', 100000 + number), 'x') FROM numbers(4)"),
    forbidden('hasAny() of two arrays that vary per row', 'SELECT hasAny(range(100000 + number), range(100000, 200000)) FROM numbers(4)'),
    forbidden('a moving window frame', 'SELECT groupArray(number) OVER (ORDER BY number ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM numbers(20000)'),
    forbidden('sleepEachRow()', 'SELECT sleepEachRow(3) FROM numbers(10)'),
    // Constants the analyzer computes before the query's limits apply
    forbidden('a regex over a 250 MB constant', "SELECT length(replaceRegexpAll(repeat(repeat('a', 1000), 250000), 'a', 'b')) AS n"),
    forbidden('the same under DESCRIBE', "DESCRIBE (SELECT length(replaceRegexpAll(repeat(repeat('a', 1000), 50000), 'a', 'b')) AS n)"),
    forbidden('a 500 MB constant printed by EXPLAIN PLAN', "EXPLAIN PLAN SELECT repeat(repeat('a', 1000), 500000) AS x"),
    forbidden('many repeats adding up', `SELECT ${Array.from({ length: 40 }, () => "repeat('ab', 1000000)").join(' || ')} AS x`),
    forbidden('a constant range folded through a lambda', 'SELECT arrayReduce(\'uniqExact\', arrayMap(x -> intHash64(x + 1), range(10000000)))'),
    forbidden('a size-making call inside a lambda', "SELECT arrayMap(x -> repeat('a', x), range(100000))"),
    forbidden('a repeat count computed from constants', "SELECT repeat('a', 250000 * 1000)"),
    forbidden('_disk_name of a dataset table', `SELECT _disk_name FROM ${db}.logs`),
    forbidden('INTO OUTFILE inside EXPLAIN AST', `EXPLAIN AST SELECT 1 INTO OUTFILE '${o}'`),
    forbidden('values() with an AggregateFunction column', "SELECT * FROM values('a AggregateFunction(windowFunnel(100), DateTime, UInt8)', 1)"),
    forbidden('a window frame to UNBOUNDED FOLLOWING', 'SELECT sum(number) OVER (ORDER BY number ROWS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING) FROM numbers(10)'),
    forbidden('a RANGE frame by value', 'SELECT sum(number) OVER (ORDER BY number RANGE BETWEEN 1000000 PRECEDING AND CURRENT ROW) FROM numbers(10)'),
    forbidden('a ROWS frame of a million rows', 'SELECT sum(number) OVER (ORDER BY number ROWS BETWEEN 1000000 PRECEDING AND CURRENT ROW) FROM numbers(10)'),
    // Found by the second outside attack
    forbidden('a repeat of a WITH alias (a folded constant)', "WITH 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS s, repeat(s, 1000000) AS b SELECT countMatches(b, 'a')"),
    forbidden('a repeat of a column by a large count', `SELECT countMatches(repeat(_raw, 1000000), 'a') FROM ${db}.logs`),
    forbidden('a repeat count read from a column', 'SELECT length(repeat(\'a\', number)) FROM numbers(10)'),
    // Nonsense
    bad('empty', ''),
    bad('only a comment', '-- nothing'),
    bad('not SQL', 'SELEC 1'),
    bad('a FORMAT clause', 'SELECT 1 FORMAT TSV'),
  ]
}

/** Reads that must keep working beside the corpus (the gate must not refuse everything). */
export function allowedQueries(db: string): string[] {
  return [
    `SELECT count() AS n FROM ${db}.logs`,
    'SELECT count() AS n FROM logs',
    `SELECT name, engine FROM system.tables WHERE database = '${db}' ORDER BY name`,
    `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'logs'`,
    `SELECT partition, rows FROM system.parts WHERE database = '${db}' AND active`,
    `SHOW TABLES FROM ${db}`,
    `DESCRIBE TABLE ${db}.logs`,
    `EXISTS TABLE ${db}.victim`,
    'SELECT * FROM numbers(3) AS `file`',
    "SELECT 'file(''/etc/passwd'')' AS s",
    "SELECT b FROM values('a UInt8, b String', (1, 'x'))",
    "SELECT * FROM values('a UInt32, t Tuple(x String, y Array(Nullable(UInt8)))', (1, ('a', [1, NULL])))",
    "SELECT countIf(number > 1), sumArrayIf([number], 1), uniqExact(number), quantile(0.9)(number), median(number) FROM numbers(10)",
    "SELECT arrayMap(x -> x * 2, [1, 2, 3]) AS a, arrayFilter((x, y) -> x > y, [1, 2], [0, 3]) AS b, arrayMap(t -> t.1, [(1, 'a')]) AS c",
    "SELECT position('error in line', 'line'), 'abc' LIKE '%b%', match('abc', '^a'), replaceAll('aaa', 'a', 'b'), hasAny([1, 2], [2])",
    "SELECT arrayReduce('sum', [1, 2]), arrayReduce('quantile(0.5)', [1, 2])",
    "SELECT CAST('1' AS UInt8), '2'::UInt16, JSONExtract('{\"a\": 1}', 'a', 'UInt8')",
    "SELECT number, count() OVER (PARTITION BY number % 2 ORDER BY number) FROM numbers(5)",
    "EXPLAIN SYNTAX SELECT 1",
    "SELECT count() AS c FROM numbers(10) WITH TOTALS",
    `SELECT count() FROM ${db}.logs WHERE _raw LIKE '%' || 'event' || '%' AND positionCaseInsensitive(_raw, lower('EVENT')) > 0`,
    `SELECT avg(number) OVER (ORDER BY number ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS moving FROM numbers(20)`,
    `SELECT sum(number) OVER (ORDER BY number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM numbers(20)`,
    `SHOW TABLES FROM ${db} LIKE '%o%'`,
    "SELECT repeat('-', 80) AS rule, range(1000) AS r, leftPad(toString(number), 8, '0') FROM numbers(3)",
    `SELECT repeat('x', 8), leftPad(_service, 12) FROM ${db}.logs`,
    `WITH t AS (SELECT count() AS n FROM ${db}.logs) SELECT n FROM t`,
  ]
}
