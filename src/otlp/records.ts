// OTLP log records and spans as sluice events (docs/opentelemetry.md: the mapping field by
// field), written one JSON line each. What a resource and a scope give every record under them
// (resource, scope, service, namespace) is written once per group and appended to each line.
import { durationMs, isoTime, keyValues, OtlpShapeError, type ValueCodec } from './values'

/** Receives each record's event as one line of JSON, in the request's order. */
export type EmitLine = (line: string) => void

export type OtlpSignal = 'logs' | 'traces'

/** Where records go without an x-dataset header. */
export const OTLP_DEFAULT_DATASETS: Record<OtlpSignal, string> = { logs: 'otel-logs', traces: 'otel-traces' }

/** Severity names by number (the log data model's short names: TRACE to FATAL4). */
const SEVERITY_NAMES = ['', ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((name) => [name, `${name}2`, `${name}3`, `${name}4`])]
const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']
const STATUS_CODES = ['UNSET', 'OK', 'ERROR']

/** Maps every record of an export request; returns how many there were. */
export function mapRecords(signal: OtlpSignal, request: Record<string, any>, codec: ValueCodec, emit: EmitLine): number {
  return signal === 'logs' ? mapLogs(request, codec, emit) : mapSpans(request, codec, emit)
}

function mapLogs(request: Record<string, any>, codec: ValueCodec, emit: EmitLine): number {
  let count = 0
  const resources = codec.list(request.resourceLogs, 'resourceLogs')
  for (let r = 0; r < resources.length; r++) {
    const resourceLogs = objectAt(resources[r], codec, `resourceLogs[${r}]`)
    const scopes = codec.list(resourceLogs.scopeLogs, `resourceLogs[${r}].scopeLogs`)
    for (let s = 0; s < scopes.length; s++) {
      const where = `resourceLogs[${r}].scopeLogs[${s}]`
      const scopeLogs = objectAt(scopes[s], codec, where)
      const tail = groupTail(resourceLogs.resource, scopeLogs.scope, codec, where)
      const records = codec.list(scopeLogs.logRecords, `${where}.logRecords`)
      for (let i = 0; i < records.length; i++) {
        const record = objectAt(records[i], codec, `${where}.logRecords[${i}]`)
        emit(line(within(`${where}.logRecords[${i}]`, () => logEvent(record, codec)), tail))
        count++
      }
    }
  }
  return count
}

function mapSpans(request: Record<string, any>, codec: ValueCodec, emit: EmitLine): number {
  let count = 0
  const resources = codec.list(request.resourceSpans, 'resourceSpans')
  for (let r = 0; r < resources.length; r++) {
    const resourceSpans = objectAt(resources[r], codec, `resourceSpans[${r}]`)
    const scopes = codec.list(resourceSpans.scopeSpans, `resourceSpans[${r}].scopeSpans`)
    for (let s = 0; s < scopes.length; s++) {
      const where = `resourceSpans[${r}].scopeSpans[${s}]`
      const scopeSpans = objectAt(scopes[s], codec, where)
      const tail = groupTail(resourceSpans.resource, scopeSpans.scope, codec, where)
      const spans = codec.list(scopeSpans.spans, `${where}.spans`)
      for (let i = 0; i < spans.length; i++) {
        const span = objectAt(spans[i], codec, `${where}.spans[${i}]`)
        emit(line(within(`${where}.spans[${i}]`, () => spanEvent(span, codec)), tail))
        count++
      }
    }
  }
  return count
}

function logEvent(record: Record<string, any>, codec: ValueCodec): Record<string, unknown> {
  const event: Record<string, unknown> = {}
  const time = codec.time(record.timeUnixNano, 'timeUnixNano')
  const observed = codec.time(record.observedTimeUnixNano, 'observedTimeUnixNano')
  if (time !== undefined || observed !== undefined) event.timestamp = isoTime((time ?? observed)!)
  if (observed !== undefined) event.observedTimestamp = isoTime(observed)
  const severityText = codec.string(record.severityText, 'severityText')
  const severityNumber = codec.count(record.severityNumber, 'severityNumber')
  const level = severityText !== '' ? severityText : SEVERITY_NAMES[severityNumber]
  if (level) event.level = level
  if (severityNumber !== 0) event.severityNumber = severityNumber
  if (record.body !== undefined && record.body !== null) {
    const body = codec.any(record.body, 1)
    event.message = typeof body === 'string' ? body : JSON.stringify(body)
  }
  const eventName = codec.string(record.eventName, 'eventName')
  if (eventName !== '') event.eventName = eventName
  ids(event, record, codec)
  const flags = codec.count(record.flags, 'flags')
  if (flags !== 0) event.flags = flags
  attributes(event, record, codec)
  return event
}

function spanEvent(span: Record<string, any>, codec: ValueCodec): Record<string, unknown> {
  const event: Record<string, unknown> = {}
  const start = codec.time(span.startTimeUnixNano, 'startTimeUnixNano')
  const end = codec.time(span.endTimeUnixNano, 'endTimeUnixNano')
  if (start !== undefined) event.timestamp = isoTime(start)
  if (end !== undefined) event.endTimestamp = isoTime(end)
  event.message = codec.string(span.name, 'name')
  if (start !== undefined && end !== undefined) event.duration = durationMs(start, end)
  ids(event, span, codec)
  const parentSpanId = codec.id(span.parentSpanId, 'parentSpanId')
  if (parentSpanId !== '') event.parentSpanId = parentSpanId
  const traceState = codec.string(span.traceState, 'traceState')
  if (traceState !== '') event.traceState = traceState
  const flags = codec.count(span.flags, 'flags')
  if (flags !== 0) event.flags = flags
  const kind = codec.count(span.kind, 'kind')
  if (kind !== 0) event.kind = SPAN_KINDS[kind] ?? kind
  const status = codec.object(span.status, 'status')
  if (status) {
    const code = codec.count(status.code, 'status.code')
    const message = codec.string(status.message, 'status.message')
    if (code !== 0 || message !== '') event.status = message === '' ? { code: STATUS_CODES[code] ?? code } : { code: STATUS_CODES[code] ?? code, message }
  }
  attributes(event, span, codec)
  const events = codec.list(span.events, 'events')
  if (events.length > 0) event.events = events.map((e, n) => spanPart(e, codec, `events[${n}]`, false))
  const dropped = codec.count(span.droppedEventsCount, 'droppedEventsCount')
  if (dropped !== 0) event.droppedEventsCount = dropped
  const links = codec.list(span.links, 'links')
  if (links.length > 0) event.links = links.map((l, n) => spanPart(l, codec, `links[${n}]`, true))
  const droppedLinks = codec.count(span.droppedLinksCount, 'droppedLinksCount')
  if (droppedLinks !== 0) event.droppedLinksCount = droppedLinks
  return event
}

/** A span's event (time, name, attributes) or link (ids, trace state, attributes, flags). */
function spanPart(value: unknown, codec: ValueCodec, where: string, link: boolean): Record<string, unknown> {
  const part = objectAt(value, codec, where)
  const out: Record<string, unknown> = {}
  return within(where, () => {
    if (link) {
      ids(out, part, codec)
      const traceState = codec.string(part.traceState, 'traceState')
      if (traceState !== '') out.traceState = traceState
      const flags = codec.count(part.flags, 'flags')
      if (flags !== 0) out.flags = flags
    } else {
      const time = codec.time(part.timeUnixNano, 'timeUnixNano')
      if (time !== undefined) out.timestamp = isoTime(time)
      out.name = codec.string(part.name, 'name')
    }
    attributes(out, part, codec)
    return out
  })
}

function ids(out: Record<string, unknown>, from: Record<string, any>, codec: ValueCodec): void {
  const traceId = codec.id(from.traceId, 'traceId')
  if (traceId !== '') out.traceId = traceId
  const spanId = codec.id(from.spanId, 'spanId')
  if (spanId !== '') out.spanId = spanId
}

function attributes(out: Record<string, unknown>, from: Record<string, any>, codec: ValueCodec): void {
  const attributes = keyValues(codec.list(from.attributes, 'attributes'), codec, 1, 'attributes')
  if (attributes !== undefined) out.attributes = attributes
  const dropped = codec.count(from.droppedAttributesCount, 'droppedAttributesCount')
  if (dropped !== 0) out.droppedAttributesCount = dropped
}

/**
 * The JSON members every record of a resource and scope shares, without braces: `resource` (its
 * attributes), `scope` (name, version, attributes), and `service` / `namespace` from the resource's
 * `service.name` / `service.namespace` when they are strings (so they become _service, _namespace).
 */
function groupTail(resourceValue: unknown, scopeValue: unknown, codec: ValueCodec, where: string): string {
  return within(where, () => {
    const members: Record<string, unknown> = {}
    const resource = codec.object(resourceValue, 'resource')
    const resourceAttributes = resource ? keyValues(codec.list(resource.attributes, 'resource.attributes'), codec, 1, 'resource.attributes') : undefined
    if (resourceAttributes !== undefined) members.resource = resourceAttributes
    const scope = codec.object(scopeValue, 'scope')
    if (scope) {
      const out: Record<string, unknown> = {}
      const name = codec.string(scope.name, 'scope.name')
      const version = codec.string(scope.version, 'scope.version')
      if (name !== '') out.name = name
      if (version !== '') out.version = version
      const scopeAttributes = keyValues(codec.list(scope.attributes, 'scope.attributes'), codec, 1, 'scope.attributes')
      if (scopeAttributes !== undefined) out.attributes = scopeAttributes
      if (Object.keys(out).length > 0) members.scope = out
    }
    const service = resourceAttributes?.['service.name']
    if (typeof service === 'string') members.service = service
    const namespace = resourceAttributes?.['service.namespace']
    if (typeof namespace === 'string') members.namespace = namespace
    const json = JSON.stringify(members)
    return json.slice(1, -1)
  })
}

/** One event line: the record's own members, then its group's. */
function line(event: Record<string, unknown>, tail: string): string {
  const own = JSON.stringify(event)
  if (tail === '') return own
  return own.length === 2 ? `{${tail}}` : `${own.slice(0, -1)},${tail}}`
}

function objectAt(value: unknown, codec: ValueCodec, where: string): Record<string, any> {
  const object = codec.object(value, where)
  if (object === undefined) throw new OtlpShapeError(`${where} must be an object, but it is null`)
  return object
}

/** Runs a mapping step, naming where it was when the body's shape was wrong. */
function within<T>(where: string, step: () => T): T {
  try {
    return step()
  } catch (error) {
    if (error instanceof OtlpShapeError) throw new OtlpShapeError(`${where}.${error.message}`)
    throw error
  }
}
