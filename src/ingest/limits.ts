// The Events API's size limits (spec: "up to 6MB of uncompressed data per request",
// "each event must be smaller than 256kb"). Binary units: the generous reading of both.
// "Smaller than": an event of exactly MAX_EVENT_BYTES is refused.

export const MAX_BODY_BYTES = 6 * 1024 * 1024
export const MAX_EVENT_BYTES = 256 * 1024
