// The OTLP message types, built by protobufjs from the official .proto files vendored in ./proto
// (their origin is in proto/README.md), once, at the first use.
import { join } from 'node:path'
import protobuf from 'protobufjs'

const PROTO_DIR = join(import.meta.dir, 'proto')
const FILES = [
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'google/rpc/status.proto',
]

export interface OtlpTypes {
  logsRequest: protobuf.Type
  logsResponse: protobuf.Type
  tracesRequest: protobuf.Type
  tracesResponse: protobuf.Type
  status: protobuf.Type
}

let types: OtlpTypes | undefined

export function otlpTypes(): OtlpTypes {
  if (types !== undefined) return types
  const root = new protobuf.Root()
  // google/protobuf/*.proto (Any, which Status imports) are protobufjs's own copies.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_DIR, target))
  root.loadSync(FILES)
  root.resolveAll()
  types = {
    logsRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    logsResponse: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
    tracesRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    tracesResponse: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
  }
  return types
}
