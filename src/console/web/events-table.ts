// A table of events as sent (`_raw`): time, service, message, and the whole event on a click.
import type { ConsoleEvent } from './api'
import { formatTime, h } from './dom'

/** The event's message (or the start of its JSON), for a one-line view. */
export function summary(raw: string): string {
  try {
    const event = JSON.parse(raw) as Record<string, unknown>
    const message = event.message ?? event.msg
    if (typeof message === 'string') return message
  } catch {}
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw
}

export function levelOf(raw: string): string {
  try {
    const level = (JSON.parse(raw) as Record<string, unknown>).level
    return typeof level === 'string' ? level : ''
  } catch {
    return ''
  }
}

export function eventRow(e: ConsoleEvent): HTMLTableRowElement {
  const row = h('tr', { class: 'event', 'data-id': e.id }, h('td', { class: 'time' }, formatTime(e.ts)), h('td', {}, e.service), h('td', { class: `level ${levelOf(e.raw).toLowerCase()}` }, levelOf(e.raw)), h('td', { class: 'message' }, summary(e.raw)))
  row.addEventListener('click', () => {
    const next = row.nextElementSibling
    if (next?.classList.contains('detail')) return void next.remove()
    let pretty = e.raw
    try {
      pretty = JSON.stringify(JSON.parse(e.raw), null, 2)
    } catch {}
    const cut = e.bytes > e.raw.length ? ` · the first ${e.raw.length} of ${e.bytes} bytes: query _raw for the whole event` : ''
    row.after(h('tr', { class: 'detail' }, h('td', { colspan: 4 }, h('pre', {}, pretty), h('span', { class: 'muted' }, `_id ${e.id}${cut}`))))
  })
  return row
}

export function eventsTable(events: ConsoleEvent[]): HTMLTableElement {
  const body = h('tbody')
  for (const e of events) body.append(eventRow(e))
  return h('table', { class: 'events' }, h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'service'), h('th', {}, 'level'), h('th', {}, 'message'))), body)
}
