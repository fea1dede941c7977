// The JetStream message format between ingest and batcher. Both sides may run different
// versions during a rolling upgrade, so this is a versioned contract (docs/message-format.md).

/** Subject of a dataset's events: `<prefix>.<dataset>` (dataset names never contain dots). */
export const SUBJECT_PREFIX = 'sluice.events'
export const subjectFor = (dataset: string): string => `${SUBJECT_PREFIX}.${dataset}`
export const SUBJECT_WILDCARD = `${SUBJECT_PREFIX}.*`

/** Header names. Nats-Msg-Id is JetStream's own de-duplication key. */
export const Header = {
  /** Body format and version; a batcher refuses (and dead-letters) formats it does not know. */
  format: 'Sluice-Format',
  dataset: 'Sluice-Dataset',
  /** Number of NDJSON rows in the body. */
  events: 'Sluice-Events',
  /** `_id` of the last row: lets a batcher check whether a redelivered message already landed. */
  lastId: 'Sluice-Last-Id',
  msgId: 'Nats-Msg-Id',
  /** `1`: rows of this message may have landed from another message already; write only the missing ones. */
  checkLanded: 'Sluice-Check-Landed',
} as const

/**
 * Version 1 body: NDJSON, one ClickHouse row per line, exactly
 * `{"_timestamp":<epoch ms>,"_service":<string>,"_namespace":<string>,"_id":<string>,"_raw":<event as sent>}`
 * The event's bytes are embedded as they came; ClickHouse stores them in `_raw` (read as a string
 * by input_format_json_read_objects_as_strings) and derives `data` from it. A pretty-printed event
 * keeps its newlines, so rows are told apart by "}\n{" (sink/row-boundaries.ts), never by "\n" alone.
 */
export const FORMAT_V1 = 'ndjson-v1'

/** NATS refuses messages above the server's max_payload (1 MiB by default); keep headroom for headers. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 - 4 * 1024
