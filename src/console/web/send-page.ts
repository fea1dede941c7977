// Send events: copy-ready examples for this server and dataset (curl, JavaScript, Python, Go),
// each with an Idempotency-Key and a gzip body, and how to point OpenTelemetry at it.
import { api, type SendExamples } from './api'
import { clear, h } from './dom'
import type { Page } from './main'

const LANGUAGES: [keyof SendExamples, string][] = [['curl', 'curl'], ['javascript', 'JavaScript (fetch)'], ['python', 'Python'], ['go', 'Go']]

/** The examples for `dataset`, as a block any page can show. */
export function howToSend(dataset: string): HTMLElement {
  const root = h('div', { class: 'examples' }, h('p', { class: 'muted' }, 'Loading examples…'))
  void api.examples(dataset).then((examples) => {
    const otel = examples.opentelemetry
    clear(
      root,
      ...LANGUAGES.map(([key, label]) => example(key, label, examples[key])),
      example('otel-environment', 'OpenTelemetry SDK (environment)', otel.environment),
      example('otel-collector', 'OpenTelemetry Collector (otlphttp exporter)', otel.collector),
    )
  }, (error) => clear(root, h('p', { class: 'error' }, (error as Error).message)))
  return root
}

function example(language: string, label: string, text: string): HTMLElement {
  const code = h('pre', { class: 'code', 'data-language': language }, text)
  const copy = h('button', { class: 'link', onclick: () => void navigator.clipboard?.writeText(text).then(() => (copy.textContent = 'copied'), () => (copy.textContent = 'select and copy')) }, 'copy')
  return h('div', { class: 'example' }, h('div', { class: 'example-head' }, h('strong', {}, label), copy), code)
}

export const sendPage: Page = (root, shell) => {
  const dataset = shell.dataset ?? 'logs'
  root.append(h('section', { class: 'card wide' }, h('h2', {}, 'Send events to ', h('code', {}, dataset)),
    h('p', { class: 'muted' }, 'POST a JSON array of events to /v1/<dataset> with an ingest key. Send the same Idempotency-Key again when you retry a batch: it lands once. OpenTelemetry SDKs and Collectors send logs and traces to /otlp (below); their retries land once too.'),
    howToSend(dataset)))
}
