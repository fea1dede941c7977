// Query: an SQL editor (CodeMirror) with the dataset's fields as completions, Ctrl-Enter to run on
// POST /query (the sandbox and its limits), results as a table or as JSON, ClickHouse's error
// marked where it points, and the recent queries of this browser.
import { autocompletion, completeFromList } from '@codemirror/autocomplete'
import { sql, StandardSQL } from '@codemirror/lang-sql'
import { setDiagnostics } from '@codemirror/lint'
import { Compartment, Prec } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { basicSetup, EditorView } from 'codemirror'
import { api, ApiError, runQuery, type QueryAnswer } from './api'
import { clear, h } from './dom'
import { errorSpan } from './error-position'
import type { Page, Shell } from './main'

const HISTORY_ITEM = 'sluice.history'
/** The editor's text, kept for a reload of the tab. */
const SQL_ITEM = 'sluice.sql'
const HISTORY_SIZE = 20
/** Rows drawn, as a table or as JSON: an answer may hold 500,000 rows, more than a page can draw. */
const SHOWN_ROWS = 1000

const history = (): string[] => {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_ITEM) ?? '[]') as string[]
  } catch {
    return []
  }
}
const remember = (text: string) => localStorage.setItem(HISTORY_ITEM, JSON.stringify([text, ...history().filter((q) => q !== text)].slice(0, HISTORY_SIZE)))

/** Columns every dataset table has, before the paths of `data`. */
const TABLE_COLUMNS = ['_timestamp', '_service', '_namespace', '_id', '_raw', 'data']

const tableName = (shell: Shell, dataset: string) => `${shell.database}.\`${dataset}\``
const defaultSql = (shell: Shell) =>
  shell.dataset ? `SELECT _timestamp, _service, data.message\nFROM ${tableName(shell, shell.dataset)}\nORDER BY _timestamp DESC\nLIMIT 50` : 'SHOW TABLES'

export const queryPage: Page = (root, shell) => {
  const language = new Compartment()
  const status = h('span', { id: 'query-status', class: 'muted' })
  const error = h('pre', { id: 'query-error', class: 'error', hidden: true })
  const results = h('div', { id: 'results' })
  const historyList = h('ul', { class: 'history' })
  let view: 'table' | 'json' = 'table'
  let last: QueryAnswer | undefined
  const toggle = h('button', { class: 'link', onclick: () => ((view = view === 'table' ? 'json' : 'table'), showResults()) }, 'JSON')
  const runButton = h('button', { id: 'run', onclick: () => void run() }, 'Run ', h('kbd', {}, 'Ctrl-Enter'))

  const editorHost = h('div', { class: 'editor', id: 'editor' })
  const editor = new EditorView({
    parent: editorHost,
    doc: sessionStorage.getItem(SQL_ITEM) ?? defaultSql(shell),
    extensions: [
      Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (void run(), true) }])),
      basicSetup,
      language.of(sql({ dialect: StandardSQL })),
      autocompletion(),
      EditorView.updateListener.of((u) => u.docChanged && sessionStorage.setItem(SQL_ITEM, u.state.doc.toString())),
    ],
  })

  // The dataset's columns and the paths of `data` (data.message, ...) as completions.
  if (shell.dataset) {
    const dataset = shell.dataset
    void api.fields(dataset).then((fields) => {
      const paths = fields.map((f) => ({ label: `data.${f.path}`, type: 'property', detail: f.types.join(', ') }))
      const columns = [...TABLE_COLUMNS, ...paths.map((p) => p.label)]
      const options = [...TABLE_COLUMNS.map((c) => ({ label: c, type: 'property' })), ...paths, { label: tableName(shell, dataset), type: 'type' }]
      editor.dispatch({
        effects: language.reconfigure([
          sql({ dialect: StandardSQL, schema: { [`${shell.database}.${dataset}`]: columns }, defaultTable: `${shell.database}.${dataset}` }),
          StandardSQL.language.data.of({ autocomplete: completeFromList(options) }),
        ]),
      })
    }, () => {})
  }

  function showHistory() {
    clear(historyList, ...history().map((q) => h('li', {}, h('button', { class: 'link mono', title: q, onclick: () => editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: q } }) }, q.replace(/\s+/g, ' ').slice(0, 120)))))
  }

  function showResults() {
    toggle.textContent = view === 'table' ? 'JSON' : 'Table'
    if (!last) return clear(results)
    const more = last.data.length > SHOWN_ROWS ? h('p', { class: 'muted' }, `The first ${SHOWN_ROWS.toLocaleString('en')} of ${last.data.length.toLocaleString('en')} rows are shown: add a LIMIT, or use POST /query for all of them.`) : null
    if (view === 'json') return clear(results, h('pre', { class: 'json' }, JSON.stringify(last.data.slice(0, SHOWN_ROWS), null, 2)), more)
    const head = h('tr', {}, ...last.meta.map((m) => h('th', { title: m.type }, m.name)))
    const body = h('tbody')
    for (const row of last.data.slice(0, SHOWN_ROWS)) body.append(h('tr', {}, ...last.meta.map((m) => h('td', {}, cell(row[m.name])))))
    clear(results, h('table', { class: 'results' }, h('thead', {}, head), body), more)
  }

  async function run() {
    const text = editor.state.doc.toString()
    error.hidden = true
    editor.dispatch(setDiagnostics(editor.state, []))
    status.textContent = 'Running…'
    runButton.disabled = true
    const started = performance.now()
    try {
      last = await runQuery(text)
      remember(text)
      showHistory()
      const stats = last.statistics
      status.textContent = `${last.rows.toLocaleString('en')} rows in ${Math.round(performance.now() - started)} ms${stats ? ` (read ${stats.rows_read.toLocaleString('en')} rows)` : ''}`
      showResults()
    } catch (e) {
      status.textContent = ''
      const message = e instanceof ApiError ? `${e.status}: ${e.message}` : (e as Error).message
      error.textContent = message
      error.hidden = false
      const span = errorSpan(message, text)
      if (span) {
        editor.dispatch(setDiagnostics(editor.state, [{ from: span.from, to: span.to, severity: 'error', message }]))
        editor.dispatch({ selection: { anchor: span.from }, scrollIntoView: true })
      }
    } finally {
      runButton.disabled = false
    }
  }

  showHistory()
  root.append(
    h('section', { class: 'card wide' }, h('h2', {}, 'Query'), editorHost, h('div', { class: 'toolbar' }, runButton, status, h('span', { class: 'spacer' }), toggle), error, results),
    h('section', { class: 'card' }, h('h2', {}, 'Recent queries'), historyList),
  )
  editor.focus()
  return () => editor.destroy()
}

const cell = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value))
