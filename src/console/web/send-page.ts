// Send events: copy-ready examples for this server and dataset (curl, JavaScript, Python, Go),
// each with an Idempotency-Key and a gzip body.
import { api, type SendExamples } from './api'
import { clear, h } from './dom'
import type { Page } from './main'

const LANGUAGES: [keyof SendExamples, string][] = [['curl', 'curl'], ['javascript', 'JavaScript (fetch)'], ['python', 'Python'], ['go', 'Go']]

/** The examples for `dataset`, as a block any page can show. */
export function howToSend(dataset: string): HTMLElement {
  const root = h('div', { class: 'examples' }, h('p', { class: 'muted' }, 'Loading examples…'))
  void api.examples(dataset).then((examples) => {
    clear(root, ...LANGUAGES.map(([key, label]) => {
      const code = h('pre', { class: 'code', 'data-language': key }, examples[key])
      const copy = h('button', { class: 'link', onclick: () => void navigator.clipboard?.writeText(examples[key]).then(() => (copy.textContent = 'copied'), () => (copy.textContent = 'select and copy')) }, 'copy')
      return h('div', { class: 'example' }, h('div', { class: 'example-head' }, h('strong', {}, label), copy), code)
    }))
  }, (error) => clear(root, h('p', { class: 'error' }, (error as Error).message)))
  return root
}

export const sendPage: Page = (root, shell) => {
  const dataset = shell.dataset ?? 'logs'
  root.append(h('section', { class: 'card wide' }, h('h2', {}, 'Send events to ', h('code', {}, dataset)),
    h('p', { class: 'muted' }, 'POST a JSON array of events to /v1/<dataset> with an ingest key. Send the same Idempotency-Key again when you retry a batch: it lands once.'),
    howToSend(dataset)))
}
