// The obvious implementation, run as its own process, so users see what sluice's design buys:
// `await request.json()`, TypeBox Value.Check per event, JSON.stringify per event, and one awaited
// JetStream publish per event, on the nats-server at NATS_URL. Prints {"port": n} once listening.
import { Value } from '@sinclair/typebox/value'
import { connect, RetentionPolicy, StorageType } from 'nats'
import { Event } from '../../src/ingest/event/event-schema'

const nc = await connect({ servers: process.env.NATS_URL! })
const jsm = await nc.jetstreamManager()
await jsm.streams.add({ name: 'NAIVE', subjects: ['naive.>'], storage: StorageType.File, retention: RetentionPolicy.Limits })
const js = nc.jetstream()
const encoder = new TextEncoder()

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  maxRequestBodySize: 6 * 1024 * 1024,
  async fetch(request) {
    const dataset = new URL(request.url).pathname.slice('/v1/'.length)
    if (request.headers.get('x-api-key') !== process.env.API_KEY) return Response.json({ message: 'Unauthorised' }, { status: 401 })
    let events: unknown
    try {
      events = await request.json()
    } catch {
      return Response.json({ message: 'Bad Request' }, { status: 400 })
    }
    if (!Array.isArray(events)) return Response.json({ message: 'Bad Request' }, { status: 400 })
    const invalid: { index: number; error: string }[] = []
    const rows: Uint8Array[] = []
    events.forEach((event, index) => {
      if (Value.Check(Event, event)) rows.push(encoder.encode(JSON.stringify({ _timestamp: Date.now(), _raw: JSON.stringify(event) })))
      else invalid.push({ index, error: 'invalid event' })
    })
    if (invalid.length > 0) return Response.json({ message: 'Bad Request', invalid }, { status: 400 })
    for (const row of rows) await js.publish(`naive.${dataset}`, row)
    return Response.json({ message: 'Request Accepted' }, { status: 202 })
  },
})
console.log(JSON.stringify({ port: server.port }))
