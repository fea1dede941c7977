// Datasets: each with its event count, bytes and time span; the chosen one's fields (paths of
// `data` and their types), a histogram by level, and its newest events, filtered by the range
// selected on the histogram.
import { api, ApiError, type DatasetSummary, type TimeRange } from './api'
import { clear, formatBytes, formatTime, h } from './dom'
import { eventsTable } from './events-table'
import { drawHistogram } from './histogram'
import type { Page } from './main'
import { howToSend } from './send-page'

export const datasetsPage: Page = (root, shell) => {
  let closed = false
  const list = h('section', { class: 'card' }, h('h2', {}, 'Datasets'), h('p', { class: 'muted' }, 'Loading…'))
  const detail = h('section', { class: 'detail-grid' })
  root.append(list, detail)
  void api.datasets().then((datasets) => {
    if (closed) return
    shell.datasets = datasets
    renderList(list, datasets, shell.dataset, (name) => shell.choose(name))
    if (datasets.length === 0 || datasets.every((d) => d.events === 0)) {
      detail.append(h('section', { class: 'card empty' }, h('h2', {}, 'No events yet'), h('p', {}, 'Send some events, then come back: they appear here within a second.'), howToSend(shell.dataset ?? 'logs')))
      return
    }
    if (shell.dataset) renderDetail(detail, shell.dataset, () => closed)
  }, (error) => clear(list, h('h2', {}, 'Datasets'), h('p', { class: 'error' }, (error as Error).message)))
  return () => void (closed = true)
}

function renderList(root: HTMLElement, datasets: DatasetSummary[], chosen: string | undefined, choose: (name: string) => void): void {
  const rows = datasets.map((d) =>
    h('tr', { class: d.name === chosen ? 'chosen' : undefined, 'data-dataset': d.name, onclick: () => choose(d.name) },
      h('td', {}, d.name), h('td', { class: 'num' }, d.events.toLocaleString('en')), h('td', { class: 'num' }, formatBytes(d.bytes)), h('td', {}, formatTime(d.first)), h('td', {}, formatTime(d.last))),
  )
  clear(root, h('h2', {}, 'Datasets'),
    h('table', { id: 'datasets' }, h('thead', {}, h('tr', {}, h('th', {}, 'dataset'), h('th', {}, 'events'), h('th', {}, 'bytes'), h('th', {}, 'first event'), h('th', {}, 'last event'))), h('tbody', {}, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No dataset yet: the first event sent to /v1/<dataset> creates it.'))]))))
}

function renderDetail(root: HTMLElement, dataset: string, closed: () => boolean): void {
  const fields = h('section', { class: 'card fields' }, h('h2', {}, 'Fields of ', h('code', {}, 'data')), h('p', { class: 'muted' }, 'Loading…'))
  const chart = h('div', { class: 'chart' })
  const filter = h('p', { class: 'muted' })
  const events = h('div', { id: 'events' })
  root.append(fields, h('section', { class: 'card wide' }, h('h2', {}, 'Events over time'), h('p', { class: 'muted' }, 'Drag across the chart to show the events of that range.'), chart, filter, events))

  void api.fields(dataset).then((list) => {
    if (closed()) return
    clear(fields, h('h2', {}, 'Fields of ', h('code', {}, 'data')), h('p', { class: 'muted' }, 'Seen in the newest 1,000 events.'),
      h('table', { id: 'fields' }, h('tbody', {}, ...list.map((f) => h('tr', {}, h('td', {}, h('code', {}, `data.${f.path}`)), h('td', { class: 'muted' }, f.types.join(', ')))))))
  }, (error) => clear(fields, h('p', { class: 'error' }, (error as Error).message)))

  // Only the latest request draws: an earlier, slower answer (all events) must not replace a range's.
  let latest = 0
  const showEvents = (range?: TimeRange) => {
    const mine = ++latest
    const current = () => !closed() && mine === latest
    clear(filter, range ? `Showing ${formatTime(range.fromMs)} to ${formatTime(range.toMs)} ` : 'Showing the newest 100 events up to now. ', range ? h('button', { class: 'link', onclick: () => showEvents() }, 'show all') : null)
    void api.events(dataset, range).then((rows) => current() && clear(events, rows.length ? eventsTable(rows) : h('p', { class: 'muted' }, 'No events in this range.')), (error: ApiError) => current() && clear(events, h('p', { class: 'error' }, error.message)))
  }
  void api.histogram(dataset).then((histogram) => {
    if (closed() || !histogram) return
    drawHistogram(chart, histogram, (range) => showEvents(range))
  }, (error: ApiError) => clear(chart, h('p', { class: 'error' }, error.message)))
  showEvents()
}
