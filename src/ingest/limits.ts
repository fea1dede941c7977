// The Events API's size limits (spec: "up to 6MB of uncompressed data per request",
// "each event must be smaller than 256kb"). Binary units: the generous reading of both.
// "Smaller than": an event of exactly MAX_EVENT_BYTES is refused.

export const MAX_BODY_BYTES = 6 * 1024 * 1024
export const MAX_EVENT_BYTES = 256 * 1024

/**
 * Compressed bytes read per request. Compression never makes JSON bigger by more than a few
 * bytes per 64 KB block (RFC 1951 §3.2.4 stored blocks), so a body whose compressed form passes
 * its own inflated limit is a bomb of empty members or padding: stop reading it there.
 */
export const MAX_WIRE_BYTES = MAX_BODY_BYTES + 64 * 1024

/** A request body must arrive within this: 6 MB at 1 Mbit/s takes about 50 s. */
export const BODY_READ_TIMEOUT_MS = 60_000
