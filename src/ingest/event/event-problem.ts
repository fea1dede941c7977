/** What is wrong with one event, as the 400 response lists it under `invalid`. */
export interface EventProblem {
  /** One sentence a person can act on. */
  error: string
  /** The offending field, when one field is to blame. */
  field?: string
}
