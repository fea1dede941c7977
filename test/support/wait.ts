// Waiting in tests: on a condition, never for a fixed time. Every wait names what it waits for, so
// a test that times out says which condition never came.

/** Waits until `check` holds, polling every `pollMs`; throws naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await Bun.sleep(pollMs)
  }
}

/** `promise`'s value, or undefined once `ms` passed without it: a bound on a wait, never a pause. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)))
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Reads `read` until `done` accepts what it gave, and returns that; throws naming `what` and the
 * last value read after `timeoutMs`. A read that throws counts as not done yet.
 */
export async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: { value: T } | { error: unknown } | undefined
  for (;;) {
    try {
      const value = await read()
      if (done(value)) return value
      last = { value }
    } catch (error) {
      last = { error }
    }
    if (Date.now() > deadline) {
      const seen = last === undefined ? 'nothing' : 'value' in last ? JSON.stringify(last.value) : String(last.error)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last read: ${seen})`)
    }
    await Bun.sleep(pollMs)
  }
}

/** The text a byte stream has carried so far (a process's output, a response body), read as it arrives. */
export interface StreamText {
  readonly text: string
  /** Waits until the text contains `part`; throws naming `what` after `timeoutMs`. */
  contains(part: string, timeoutMs: number, what?: string): Promise<void>
  /** Settles once the stream ended (or failed: a cancelled body, a killed process). */
  readonly ended: Promise<void>
}

export function streamText(stream: ReadableStream<Uint8Array>): StreamText {
  let text = ''
  const ended = (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of stream) text += decoder.decode(chunk, { stream: true })
    } catch {}
  })()
  return {
    get text() {
      return text
    },
    contains: (part, timeoutMs, what = JSON.stringify(part)) => until(() => text.includes(part), timeoutMs, what, 20),
    ended,
  }
}
