// A table of events as sent (`_raw`): time, service, message, and the whole event on a click.
import type { ConsoleEvent } from './api'
import { formatTime, h } from './dom'

/** The event's top-level fields, or undefined when `raw` is no JSON object (a cut `_raw` is no JSON). */
function fieldsOf(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw)
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The event's message (or the start of its JSON), for a one-line view. */
function summary(raw: string, fields: Record<string, unknown> | undefined): string {
  const message = fields?.message ?? fields?.msg
  if (typeof message === 'string') return message
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw
}

const levelOf = (fields: Record<string, unknown> | undefined): string => (typeof fields?.level === 'string' ? fields.level : '')

const EVENT_COLUMNS = ['time', 'service', 'level', 'message']

/** The header row of an events table (this one's and the live tail's). */
export const eventsHead = (): HTMLTableSectionElement => h('thead', {}, h('tr', {}, ...EVENT_COLUMNS.map((c) => h('th', {}, c))))

export function eventRow(e: ConsoleEvent): HTMLTableRowElement {
  // Parsed once for the row's cells; the click parses again rather than keep every event's object.
  const fields = fieldsOf(e.raw)
  const level = levelOf(fields)
  const row = h('tr', { class: 'event', 'data-id': e.id }, h('td', { class: 'time' }, formatTime(e.ts)), h('td', {}, e.service), h('td', { class: `level ${level.toLowerCase()}` }, level), h('td', { class: 'message' }, summary(e.raw, fields)))
  row.addEventListener('click', () => {
    const next = row.nextElementSibling
    if (next?.classList.contains('detail')) return void next.remove()
    let pretty = e.raw
    try {
      pretty = JSON.stringify(JSON.parse(e.raw), null, 2)
    } catch {}
    const cut = e.bytes > e.raw.length ? ` · the first ${e.raw.length} of ${e.bytes} bytes: query _raw for the whole event` : ''
    row.after(h('tr', { class: 'detail' }, h('td', { colspan: EVENT_COLUMNS.length }, h('pre', {}, pretty), h('span', { class: 'muted' }, `_id ${e.id}${cut}`))))
  })
  return row
}

export function eventsTable(events: ConsoleEvent[]): HTMLTableElement {
  const body = h('tbody')
  for (const e of events) body.append(eventRow(e))
  return h('table', { class: 'events' }, eventsHead(), body)
}
