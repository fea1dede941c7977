// OTLP export request bodies for tests: built from plain objects with protobufjs and the vendored
// definitions (protobuf), or written as OTLP/JSON; a seeded generator of random valid requests.
import { seededRandom } from '../../bench/fixtures'
import { otlpTypes } from '../../src/otlp/proto'
import type { OtlpSignal } from '../../src/otlp/records'

export const nowNanos = (offsetMs = 0): string => (BigInt(Date.now() + offsetMs) * 1_000_000n + 123_456n).toString()

/** A protobuf body from an object in protobufjs's shape (camelCase; bytes as Buffer, int64 as string). */
export function protobufBody(signal: OtlpSignal, request: Record<string, unknown>): Uint8Array {
  const types = otlpTypes()
  const type = signal === 'logs' ? types.logsRequest : types.tracesRequest
  return type.encode(type.fromObject(request)).finish()
}

export function decodeLogsResponse(bytes: Uint8Array): Record<string, any> {
  return otlpTypes().logsResponse.toObject(otlpTypes().logsResponse.decode(bytes), { longs: Number }) as Record<string, any>
}

export function decodeStatus(bytes: Uint8Array): { code?: number; message?: string } {
  return otlpTypes().status.toObject(otlpTypes().status.decode(bytes)) as { code?: number; message?: string }
}

/** One resource, one scope, these log records. */
export const logsRequest = (records: Record<string, unknown>[], resource: Record<string, unknown>[] = [{ key: 'service.name', value: { stringValue: 'svc' } }]) => ({
  resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'scope', version: '1' }, logRecords: records }] }],
})

export const spansRequest = (spans: Record<string, unknown>[]) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ scope: { name: 'scope' }, spans }] }],
})

/** A small seeded generator (bench/fixtures.ts), so a failing fuzz case can be replayed from its seed. */
export const seeded = seededRandom

const WORDS = ['', 'a', 'hello', 'ü', '✓', '😀', 'service.name', 'http.method', '__proto__', 'a.b.c', 'x'.repeat(300)]

/** A random AnyValue of every kind, nested at most `depth` more levels. */
export function randomValue(random: () => number, depth: number): Record<string, unknown> {
  const pick = Math.floor(random() * (depth > 0 ? 8 : 6))
  switch (pick) {
    case 0:
      return { stringValue: WORDS[Math.floor(random() * WORDS.length)] }
    case 1:
      return { boolValue: random() < 0.5 }
    case 2:
      return { intValue: String(BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * BigInt(random() < 0.2 ? 4096 : 1)) }
    case 3:
      return { doubleValue: [0, -1.5, 1e308, Number.NaN, Number.POSITIVE_INFINITY, random()][Math.floor(random() * 6)] }
    case 4:
      return { bytesValue: Buffer.from([...Array(Math.floor(random() * 8))].map(() => Math.floor(random() * 256))) }
    case 5:
      return {}
    case 6:
      return { arrayValue: { values: [...Array(Math.floor(random() * 4))].map(() => randomValue(random, depth - 1)) } }
    default:
      return { kvlistValue: { values: randomAttributes(random, depth - 1, 3) } }
  }
}

export function randomAttributes(random: () => number, depth: number, max = 6): Record<string, unknown>[] {
  return [...Array(Math.floor(random() * max))].map(() => ({ key: WORDS[Math.floor(random() * WORDS.length)], value: randomValue(random, depth) }))
}

const randomId = (random: () => number, bytes: number) => (random() < 0.2 ? Buffer.alloc(0) : Buffer.from([...Array(bytes)].map(() => Math.floor(random() * 256))))

/** A random valid export request of either signal, in protobufjs's shape. */
export function randomRequest(signal: OtlpSignal, random: () => number): Record<string, unknown> {
  const resource = { attributes: randomAttributes(random, 2) }
  const records = [...Array(1 + Math.floor(random() * 6))].map(() => {
    const attributes = randomAttributes(random, 3)
    if (signal === 'logs') {
      return { timeUnixNano: random() < 0.8 ? nowNanos(-Math.floor(random() * 1000)) : '0', severityNumber: Math.floor(random() * 25), body: randomValue(random, 2), attributes, traceId: randomId(random, 16), spanId: randomId(random, 8) }
    }
    return { name: WORDS[Math.floor(random() * WORDS.length)], traceId: randomId(random, 16), spanId: randomId(random, 8), kind: Math.floor(random() * 6), startTimeUnixNano: nowNanos(-2000), endTimeUnixNano: nowNanos(-1000), attributes, events: [{ name: 'e', attributes: randomAttributes(random, 1) }] }
  })
  return signal === 'logs'
    ? { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'fuzz' }, logRecords: records }] }] }
    : { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'fuzz' }, spans: records }] }] }
}
