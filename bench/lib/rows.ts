// Waiting for rows to become queryable in a sluice under test (ROLE=all, through POST /query).
import type { SluiceUnderTest } from './processes'

export async function countRows(sluice: SluiceUnderTest, table: string): Promise<number> {
  try {
    const rows = await sluice.query<{ n: string | number }>(`SELECT count() AS n FROM sluice.\`${table}\``)
    return Number(rows[0]?.n ?? 0)
  } catch {
    return 0 // the table is not there yet
  }
}

/** Polls until the table holds at least `events` rows; returns the epoch ms it saw them, or throws after timeoutMs. */
export async function untilRows(sluice: SluiceUnderTest, table: string, events: number, timeoutMs: number, pollMs = 20): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const n = await countRows(sluice, table)
    if (n >= events) return Date.now()
    if (Date.now() > deadline) throw new Error(`${table}: ${n} of ${events} rows queryable after ${timeoutMs} ms`)
    await Bun.sleep(pollMs)
  }
}
