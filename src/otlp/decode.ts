// An OTLP/HTTP request body as the export request it holds: protobuf through protobufjs and the
// official definitions (which refuse truncated messages, lengths past the end, strings that are
// not UTF-8 and nesting past 100 messages), or OTLP/JSON through JSON.parse.
import { BadBodyError } from '../errors'
import { otlpTypes } from './proto'
import type { OtlpSignal } from './records'
import { jsonCodec, protobufCodec, type ValueCodec } from './values'

export type OtlpEncoding = 'protobuf' | 'json'

/** Media types of the two encodings (OTLP/HTTP: application/x-protobuf, application/json). */
const MEDIA_TYPES: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
}

export const OTLP_MEDIA_TYPES = Object.keys(MEDIA_TYPES)

/** The encoding a Content-Type names (parameters and case aside); undefined for any other type. */
export function otlpEncodingOf(contentType: string | null): OtlpEncoding | undefined {
  if (contentType === null) return undefined
  const semicolon = contentType.indexOf(';')
  return MEDIA_TYPES[(semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()]
}

const REQUEST_NAMES: Record<OtlpSignal, string> = { logs: 'ExportLogsServiceRequest', traces: 'ExportTraceServiceRequest' }

export const requestName = (signal: OtlpSignal): string => REQUEST_NAMES[signal]

export interface DecodedExport {
  request: Record<string, any>
  codec: ValueCodec
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function decodeExport(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): DecodedExport {
  const name = REQUEST_NAMES[signal]
  if (encoding === 'protobuf') {
    const types = otlpTypes()
    const type = signal === 'logs' ? types.logsRequest : types.tracesRequest
    try {
      // A Buffer view, so protobufjs reads strings natively and bytes fields as views of the body.
      return { request: type.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength)) as unknown as Record<string, any>, codec: protobufCodec }
    } catch (error) {
      throw new BadBodyError(`The body is not an ${name} in protobuf: ${reason(error)}.`)
    }
  }
  let request: unknown
  try {
    request = JSON.parse(utf8.decode(body))
  } catch (error) {
    throw new BadBodyError(`The body is not an ${name} in OTLP/JSON: ${reason(error)}.`)
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw new BadBodyError(`The body is not an ${name} in OTLP/JSON: it must be a JSON object.`)
  return { request: request as Record<string, any>, codec: jsonCodec }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof TypeError && /encod/i.test(message)) return 'a string is not UTF-8'
  return message.replace(/\.$/, '').slice(0, 200)
}
