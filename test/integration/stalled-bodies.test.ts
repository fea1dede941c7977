// Stalled requests must not deny the node to others. Each sends only its headers, announcing a
// Content-Length of 6 MB, then a byte now and then; what such a request holds of the in-flight budget
// until its body times out is the first body buffer, sized by what arrived, not by Content-Length,
// so 700 of them leave room for everyone else.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect, type Socket } from 'node:net'
import { PIPELINE_KEY, startTestPipeline, type TestPipeline } from '../support/pipeline'
import { eventually, until } from '../support/wait'

let p: TestPipeline
const sockets: Socket[] = []

beforeAll(async () => {
  p = await startTestPipeline()
})
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await p?.stop()
})

/** Opens a POST that announces 6 MB and sends no body; resolves with the header bytes sent. */
function stalledRequest(port: number): Promise<number> {
  const head = `POST /v1/stall HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${PIPELINE_KEY}\r\ncontent-type: application/json\r\ncontent-length: 6000000\r\n\r\n`
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(head)
      resolve(head.length)
    })
    s.on('error', reject)
    sockets.push(s)
  })
}

/** Bytes the node's requests in flight hold of its budget (sluice_ingest_inflight_bytes). */
const heldBytes = async () => (await p.sluice.metrics.inflightBytes.get()).values[0]?.value ?? 0

async function victims(n: number, tag: string): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) {
    const r = await p.send('victim', JSON.stringify([{ message: `hello ${i}` }]), { 'idempotency-key': `${tag}-${i}` })
    statuses.push(r.status)
  }
  return statuses
}

test('stalled requests that sent only headers do not deny service to other clients', async () => {
  const port = Number(new URL(p.sluice.url).port)
  // What one stalled request holds, then 699 more: all of them inside the server, each holding its share.
  let sent = await stalledRequest(port)
  const one = await eventually(heldBytes, (n) => n > 0, 10_000, 'the first stalled request to hold its share of the budget')
  for (let i = 1; i < 700; i++) sent += await stalledRequest(port)
  await until(async () => (await heldBytes()) >= 700 * one, 20_000, 'all 700 stalled requests to hold their share of the budget')
  const first = await victims(5, 'a')
  // A body byte each, as an attacker keeping its connections past the idle timeout sends (the body
  // deadline, 60 s, still holds them).
  for (const s of sockets) s.write('[')
  const later = await victims(5, 'b')
  const open = sockets.filter((s) => !s.destroyed).length
  console.log(`attacker: 700 connections, ${sent} header bytes, 1 body byte each, ${one} bytes of budget each; still open: ${open}`)
  console.log(`one-event requests from another client: with the headers in ${first.join(',')}; with a body byte in ${later.join(',')}`)
  // A one-event request from an honest client is accepted while the others stall.
  expect(first).toEqual([202, 202, 202, 202, 202])
  expect(later).toEqual([202, 202, 202, 202, 202])
  expect(open).toBe(700)
}, 40_000)
