// What a dataset may be called: the one rule for its name (one ClickHouse table each), used by the
// Events API, the console, the query CLI and the API reference alike.

/**
 * 1 to 64 letters, digits, _ or -, starting with a letter or digit. A dataset name never starts
 * with `_`, so sluice's own tables (`_dead_letter`) never collide with one, and it needs no quoting
 * beyond backticks in SQL.
 */
export const DATASET_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'

/** The rule in words, for refusals and the API reference. */
export const DATASET_NAME_RULE = '1 to 64 letters, digits, _ or -, starting with a letter or digit'

const datasetRule = new RegExp(DATASET_PATTERN)

export const isValidDataset = (name: string): boolean => datasetRule.test(name)
