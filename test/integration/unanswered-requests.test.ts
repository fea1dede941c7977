// Connections that close before their request is answered: sluice must never store a request it
// did not answer, since a client that got no answer sends it again and an unkeyed retry of a stored
// request lands twice. Bun.serve (1.4.5) closes a connection, unanswered, when a pipelined request
// head arrives behind an answer still being worked out (HTTP/1.1 pipelining: the next requests written
// before the first is answered), and when the client half-closes its side (README, "Pipelined requests").
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'

let p: TestPipeline
beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  await p?.stop()
})

const request = (dataset: string, body: string, extra = '') =>
  `POST /v1/${dataset} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${PIPELINE_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

/**
 * Writes `text` in one socket write (then half-closes, with `end`) and returns the statuses answered
 * before the connection closed (or went quiet).
 */
function exchange(text: string, expectAnswers: number, end = false): Promise<number[]> {
  return new Promise((resolve, reject) => {
    let received = ''
    const statuses = () => [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
    const socket = connect({ port: Number(new URL(p.sluice.url).port), host: '127.0.0.1', allowHalfOpen: true }, () => {
      socket.write(text)
      if (end) socket.end()
    })
    const quiet = setTimeout(() => socket.destroy(), 5000)
    socket.on('data', (data) => {
      received += data.toString('latin1')
      // Every answer is small and complete once its JSON closes.
      if (statuses().length === expectAnswers && received.trimEnd().endsWith('}')) socket.end()
    })
    // Nothing more comes once the server closed its side.
    socket.on('end', () => socket.destroy())
    socket.on('close', () => {
      clearTimeout(quiet)
      resolve(statuses())
    })
    socket.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)))
  })
}

/**
 * Far longer than one of these requests takes inside sluice. What is tested is that nothing is
 * stored late: a request the server took in but did not answer may still be running when its
 * connection closed, and sluice shows no count of requests still inside, so the test gives such a
 * request this long to be dropped or stored before it looks.
 */
const GRACE_MS = 500

/** The tags stored in `dataset`, with how many events each, once all sluice took in could have landed. */
async function storedTags(dataset: string): Promise<Record<string, number>> {
  await Bun.sleep(GRACE_MS)
  await p.drained()
  const rows = await p.query(`SELECT data.tag AS tag, count() AS n FROM ${p.clickhouse.database}.\`${dataset}\` GROUP BY tag ORDER BY tag`).catch((error) => {
    if (String(error).includes('UNKNOWN_TABLE') || String(error).includes('does not exist')) return []
    throw error
  })
  return Object.fromEntries(rows.map((r) => [String(r.tag), Number(r.n)]))
}

const events = (tag: string, count = 3, pad = 0) => JSON.stringify(Array.from({ length: count }, (_, i) => ({ tag, i, message: 'x'.repeat(pad) })))

test.each([2, 3])('%i requests pipelined in one write: every stored request was answered 202, and none is stored twice', async (count) => {
  const dataset = `pipelined_${count}`
  const tags = Array.from({ length: count }, (_, i) => `r${i}`)
  const statuses = await exchange(tags.map((tag) => request(dataset, events(tag))).join(''), count)
  const stored = await storedTags(dataset)
  // Request i was answered when statuses[i] exists; it must then be 202 and stored in full, and stored only then.
  const verdicts = tags.map((tag, i) => ({ tag, status: statuses[i], stored: stored[tag] ?? 0 }))
  console.log(`${count} pipelined: ${JSON.stringify(verdicts)}`)
  for (const v of verdicts) expect({ tag: v.tag, stored: v.stored }).toEqual({ tag: v.tag, stored: v.status === 202 ? 3 : 0 })
  expect(statuses.every((s) => s === 202)).toBe(true)
}, 20_000)

test('a large body (read as a stream) with a request pipelined behind it: stored only if answered', async () => {
  const dataset = 'pipelined_large'
  // About 200 KB: more than one socket read, so the next request's head arrives in a later read.
  const statuses = await exchange(request(dataset, events('big', 200, 1000)) + request(dataset, events('small')), 2)
  const stored = await storedTags(dataset)
  console.log(`large then small, pipelined: answers ${JSON.stringify(statuses)}, stored ${JSON.stringify(stored)}`)
  expect(stored.big ?? 0).toBe(statuses[0] === 202 ? 200 : 0)
  expect(stored.small ?? 0).toBe(statuses[1] === 202 ? 3 : 0)
}, 20_000)

test('a request pipelined behind one sent with Connection: close is not run; the first is answered and stored', async () => {
  const dataset = 'pipelined_close'
  const statuses = await exchange(request(dataset, events('first'), 'connection: close\r\n') + request(dataset, events('second')), 1)
  expect(statuses).toEqual([202])
  expect(await storedTags(dataset)).toEqual({ first: 3 })
}, 20_000)

test('a request whose client half-closes the connection right after it: stored only if answered', async () => {
  const dataset = 'half_closed'
  const statuses = await exchange(request(dataset, events('alone')), 1, true)
  expect(await storedTags(dataset)).toEqual(statuses[0] === 202 ? { alone: 3 } : {})
}, 20_000)

test('one request at a time on a keep-alive connection is answered and stored each time', async () => {
  const dataset = 'pipelined_none'
  const statuses: number[] = []
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(new URL(p.sluice.url).port), '127.0.0.1')
    let received = ''
    let sent = 0
    const next = () => socket.write(request(dataset, events(`k${sent++}`)))
    socket.on('connect', next)
    socket.on('data', (data) => {
      received += data.toString('latin1')
      const all = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
      if (all.length === sent && received.trimEnd().endsWith('}')) {
        if (sent === 3) {
          statuses.push(...all)
          socket.end()
          resolve()
        } else next()
      }
    })
    socket.on('error', reject)
  })
  expect(statuses).toEqual([202, 202, 202])
  expect(await storedTags(dataset)).toEqual({ k0: 3, k1: 3, k2: 3 })
}, 20_000)
