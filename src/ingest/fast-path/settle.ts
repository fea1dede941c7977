// Completes the single pass once the whole body is there: reads the events that arrived cut in two
// (the pass stops at the end of the data), and takes back the validity of events that are not
// UTF-8 (checked here once for the whole body, natively). The rest is left to the exact path.
import { isUtf8 } from 'node:buffer'
import { LBRACE } from '../../json/bytes'
import { type ElementRun, REFUSED, UNDECIDED, VALID } from '../framing/element-run'
import { MAX_EVENT_BYTES } from '../limits'
import type { EventReader } from './event-fields'

/** Decides what the pass can of the elements of `bytes`; returns whether any is left to the exact path. */
export function settle(bytes: Uint8Array, elements: ElementRun, reader: EventReader): boolean {
  let undecided = false
  const { starts, ends, state, count } = elements
  const utf8 = isUtf8(bytes)
  for (let n = 0; n < count; n++) {
    const start = starts[n]!
    const end = ends[n]!
    if (state[n] !== VALID) {
      if (bytes[start] !== LBRACE || end - start >= MAX_EVENT_BYTES) state[n] = REFUSED
      else {
        // The reader sees only the element, so no read runs on past it into later lines.
        const read = reader.read(bytes.subarray(0, end), start)
        if (read === end) elements.setValid(n, reader)
        else if (read >= 0 || reader.certainlyInvalid) state[n] = REFUSED
      }
    }
    if (!utf8 && state[n] !== REFUSED && !isUtf8(bytes.subarray(start, end))) state[n] = REFUSED
    if (state[n] === UNDECIDED) undecided = true
  }
  return undecided
}
