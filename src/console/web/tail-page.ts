// Live tail: the dataset's new events as they land, read from the console's event stream with
// fetch (so the query key travels in a header, never in a URL), with pause and a text filter.
import { api, storedKey, type ConsoleEvent } from './api'
import { h } from './dom'
import { eventRow, eventsHead } from './events-table'
import type { Page } from './main'

/** Rows kept on the page; older ones are dropped as new ones come. */
const MAX_ROWS = 500
/** Events held while paused; past it the oldest held are dropped. */
const MAX_HELD = 1000

export const tailPage: Page = (root, shell) => {
  const dataset = shell.dataset
  if (!dataset) {
    root.append(h('section', { class: 'card' }, h('h2', {}, 'Live tail'), h('p', {}, 'There is no dataset yet: send events first (Send events).')))
    return
  }
  const stop = new AbortController()
  const state = h('span', { id: 'tail-state', class: 'muted' }, 'connecting…')
  const filter = h('input', { id: 'tail-filter', type: 'search', placeholder: 'filter: text in the event', 'aria-label': 'filter' })
  let paused = false
  let held: ConsoleEvent[] = []
  const pause = h('button', { id: 'tail-pause', onclick: () => togglePause() }, 'Pause')
  const body = h('tbody')
  const table = h('table', { class: 'events', id: 'tail' }, eventsHead(), body)
  root.append(h('section', { class: 'card wide' }, h('h2', {}, 'Live tail of ', h('code', {}, dataset)),
    h('div', { class: 'toolbar' }, pause, filter, state),
    h('p', { class: 'muted' }, 'New events appear within about a second of landing (events whose own time is more than 10 minutes old are not tailed).'), table))

  const matches = (row: Element) => filter.value === '' || (row.getAttribute('data-raw') ?? '').toLowerCase().includes(filter.value.toLowerCase())
  filter.addEventListener('input', () => {
    for (const row of body.querySelectorAll('tr.event')) (row as HTMLElement).hidden = !matches(row)
  })

  function show(events: ConsoleEvent[]) {
    for (const e of events) {
      const row = eventRow(e)
      row.setAttribute('data-raw', e.raw)
      row.hidden = !matches(row)
      row.classList.add('fresh')
      body.prepend(row)
    }
    while (body.children.length > MAX_ROWS) body.lastElementChild!.remove()
  }
  function togglePause() {
    paused = !paused
    pause.textContent = paused ? 'Resume' : 'Pause'
    if (!paused) {
      show(held)
      held = []
      state.textContent = 'live'
    }
  }
  function receive(event: string, data: unknown) {
    if (event === 'events') {
      if (!paused) return show(data as ConsoleEvent[])
      held = [...held, ...(data as ConsoleEvent[])].slice(-MAX_HELD)
      state.textContent = `paused, ${held.length} new`
    } else if (event === 'open') state.textContent = 'live'
    else if (event === 'skipped') state.textContent = 'live (events arrive faster than the tail shows: some were skipped)'
    else if (event === 'problem') state.textContent = `problem: ${(data as { error: string }).error}`
  }

  void (async () => {
    // Reconnects when the stream ends (its lifetime, a restart) until the page is left.
    while (!stop.signal.aborted) {
      try {
        const res = await fetch(api.tailPath(dataset), { headers: { 'x-api-key': storedKey() ?? '' }, signal: stop.signal })
        if (!res.ok || !res.body) {
          const body = (await res.json().catch(() => ({}))) as { error?: string }
          state.textContent = body.error ?? `HTTP ${res.status}`
        } else await readEvents(res.body, receive)
      } catch {
        if (stop.signal.aborted) return
        state.textContent = 'disconnected, retrying…'
      }
      await new Promise((r) => setTimeout(r, 2000))
    }
  })()
  return () => stop.abort()
}

/** Reads a text/event-stream body: `event:` and `data:` lines, blocks ended by a blank line. */
async function readEvents(body: ReadableStream<Uint8Array>, receive: (event: string, data: unknown) => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      let data = ''
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data += line.slice(6)
      }
      if (data) receive(event, JSON.parse(data))
    }
  }
}
