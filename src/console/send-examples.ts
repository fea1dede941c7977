// Copy-ready ways to send events, for the console's "Send events" page: the project's one
// generator (src/http/send-examples.ts), which the README and examples/ show too and
// test/integration/examples.test.ts runs against a live sluice.
import { sendExamples, type SendExamples } from '../http/send-examples'

export type { SendExamples }

export interface SendExampleInput {
  /** Where the person's browser reached sluice, e.g. http://localhost:3000 */
  baseUrl: string
  dataset: string
  /** An ingest key (public), or a placeholder when none can be shown. */
  apiKey: string
}

export function consoleSendExamples({ baseUrl, dataset, apiKey }: SendExampleInput): SendExamples {
  return sendExamples({ baseUrl, dataset, apiKey })
}
