// The console's entry: sign-in, then a shell with one page per tab (datasets, query, live tail,
// send events) around the chosen dataset. Pages are plain modules that render into an element.
import 'uplot/dist/uPlot.min.css'
import './style.css'
import { api, forgetKey, storedKey, whenSignedOut, type DatasetSummary } from './api'
import { clear, h } from './dom'
import { datasetsPage } from './datasets-page'
import { queryPage } from './query-page'
import { sendPage } from './send-page'
import { signInPage } from './signin'
import { tailPage } from './tail-page'

export interface Shell {
  /** Datasets as last listed. */
  datasets: DatasetSummary[]
  dataset: string | undefined
  database: string
  choose(dataset: string): void
  go(page: PageName): void
}

/** A page renders into `root` and returns what to do when it is left (close a stream, ...). */
export type Page = (root: HTMLElement, shell: Shell) => (() => void) | void

const PAGES = { datasets: ['Datasets', datasetsPage], query: ['Query', queryPage], tail: ['Live tail', tailPage], send: ['Send events', sendPage] } as const satisfies Record<string, readonly [string, Page]>
type PageName = keyof typeof PAGES

/** The chosen dataset, kept in sessionStorage for a reload of the tab. */
const DATASET_ITEM = 'sluice.dataset'

const app = document.getElementById('app')!
whenSignedOut(() => start())

async function start(): Promise<void> {
  const key = storedKey()
  if (!key) return void signInPage(app, () => start())
  try {
    const { database } = await api.session(key)
    await openShell(database)
  } catch {
    // The key stopped working (or the server restarted with other keys): sign in again.
    signInPage(app, () => start())
  }
}

async function openShell(database: string): Promise<void> {
  const picker = h('select', { id: 'dataset', 'aria-label': 'dataset' })
  const nav = h('nav')
  const main = h('main')
  let leave: (() => void) | void
  const shell: Shell = {
    datasets: [],
    dataset: undefined,
    database,
    choose(dataset) {
      shell.dataset = dataset
      picker.value = dataset
      sessionStorage.setItem(DATASET_ITEM, dataset)
      render()
    },
    go(page) {
      location.hash = page
    },
  }
  const pageName = (): PageName => (location.hash.slice(1) in PAGES ? (location.hash.slice(1) as PageName) : 'datasets')
  function render() {
    if (leave) leave()
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `#${pageName()}`)
    clear(main)
    leave = PAGES[pageName()][1](main, shell)
  }
  picker.addEventListener('change', () => shell.choose(picker.value))
  for (const [name, [label]] of Object.entries(PAGES)) nav.append(h('a', { href: `#${name}`, 'data-page': name }, label))
  const signOut = h('button', { class: 'link', onclick: () => (forgetKey(), start()) }, 'Sign out')
  clear(app, h('header', {}, h('strong', { class: 'brand' }, 'sluice'), nav, h('span', { class: 'spacer' }), h('label', { class: 'muted' }, 'dataset ', picker), signOut), main)
  window.onhashchange = render

  shell.datasets = await api.datasets().catch(() => [])
  clear(picker, ...(shell.datasets.length === 0 ? [h('option', { value: '' }, '(none yet)')] : shell.datasets.map((d) => h('option', { value: d.name }, d.name))))
  const remembered = sessionStorage.getItem(DATASET_ITEM)
  shell.dataset = shell.datasets.find((d) => d.name === remembered)?.name ?? shell.datasets.find((d) => d.events > 0)?.name ?? shell.datasets[0]?.name
  if (shell.dataset) picker.value = shell.dataset
  render()
}

void start()
