// The tail's conduct when sluice goes away for a while: it says so once, waits, and carries on
// where it was, printing nothing twice (the SQL itself is checked against ClickHouse in
// test/integration/surface-live.test.ts).
import { expect, test } from 'bun:test'
import { tail, TransientError, type Ask } from '../../src/cli/tail'

test('an outage is reported once, and the tail resumes after it without printing a row twice', async () => {
  const row = (n: number) => ({ _timestamp: `2026-11-26 10:00:0${n}.000`, _service: 's', _namespace: '', _id: `id-${n}`, _raw: `{"n":${n}}` })
  const answers: (() => ReturnType<Ask>)[] = [
    async () => [row(1)], // the newest rows at start
    async () => { throw new TransientError('cannot reach sluice at http://127.0.0.1:1') },
    async () => { throw new TransientError('503 Service Unavailable') },
    async () => [row(1), row(2)], // the overlap brings row 1 back: not printed again
    async () => [row(2), row(3)],
  ]
  const printed: string[] = []
  const notices: string[] = []
  const stop = new AbortController()
  let asked = 0
  await tail(
    async () => {
      const answer = answers[asked++]
      if (asked === answers.length) stop.abort()
      return answer!()
    },
    { dataset: 'logs', database: 'sluice', format: 'table', intervalMs: 1, overlapMs: 5000, initialRows: 10, print: (t) => printed.push(t), notice: (t) => notices.push(t), signal: stop.signal },
  )
  expect(printed).toEqual(['2026-11-26 10:00:01.000  s  {"n":1}', '2026-11-26 10:00:02.000  s  {"n":2}', '2026-11-26 10:00:03.000  s  {"n":3}'])
  expect(notices).toEqual(['cannot reach sluice at http://127.0.0.1:1; asking again every 1 ms', 'sluice answers again'])
})

test('a dataset name that is not one is refused before any SQL is sent', async () => {
  let asked = false
  const run = tail(async () => ((asked = true), []), { dataset: 'a; DROP', database: 'sluice', format: 'table', intervalMs: 1, overlapMs: 0, initialRows: 1, print: () => {}, notice: () => {}, signal: new AbortController().signal })
  await expect(run).rejects.toThrow('is not a dataset name')
  expect(asked).toBe(false)
})
