// Sign-in: the query key is checked by sluice before it is kept (sessionStorage, this tab only).
import { api, ApiError, rememberKey } from './api'
import { clear, h } from './dom'

export function signInPage(root: HTMLElement, signedIn: () => void): void {
  const input = h('input', { id: 'key', type: 'password', autocomplete: 'off', placeholder: 'query key', 'aria-label': 'query key', required: true })
  const message = h('p', { id: 'signin-error', class: 'error', role: 'alert' })
  const form = h(
    'form',
    { class: 'signin', onsubmit: (e: Event) => void submit(e) },
    h('h1', {}, 'sluice console'),
    h('p', { class: 'muted' }, 'Sign in with a query key (QUERY_KEYS, or the one printed at start and kept in data/query-key). It is kept for this browser tab only.'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  )
  async function submit(e: Event) {
    e.preventDefault()
    message.textContent = ''
    const key = input.value.trim()
    try {
      await api.session(key)
      rememberKey(key)
      signedIn()
    } catch (error) {
      message.textContent = error instanceof ApiError ? error.message : `sluice did not answer: ${(error as Error).message}`
    }
  }
  clear(root, form)
  input.focus()
}
