// The worst a machine does to one sluice: the whole process group SIGKILLed under load, twice
// (the second time its nats-server with it), and started again on the same DATA_DIR. Clients keep
// retrying with the same Idempotency-Key; every event answered 202 must be stored exactly once.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/embedded/nats-server'
import { landed, settle, startLoad, waitForProgress } from '../support/load'
import { natsPid, PROCESS_KEY, spawnSluice, type SluiceProcess } from '../support/sluice-process'

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-restart-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('crash and restart', () => {
  test('process group SIGKILLed twice mid-load, restarted on the same DATA_DIR: every 202 lands exactly once, nothing refused lands', async () => {
    const port = await freePort()
    const start = () => spawnSluice({ dataDir, port })
    let s: SluiceProcess = start()
    try {
      await s.ready()
      const load = startLoad({ urls: [s.url], key: PROCESS_KEY, dataset: 'crash' })
      const recoveries: number[] = []
      for (const round of [1, 2]) {
        await waitForProgress(load, 30)
        const nats = natsPid(dataDir)!
        process.kill(-s.pid, 'SIGKILL') // sluice's process group (its nats-server runs in a group of its own)
        // The second time the nats-server dies too, as when the machine or container goes.
        if (round === 2) process.kill(nats, 'SIGKILL')
        await s.proc.exited
        const began = Date.now()
        s = start()
        await s.ready(60_000)
        recoveries.push(Date.now() - began)
      }
      await waitForProgress(load, 30)
      const report = await load.finish(30_000)
      const settledFrom = Date.now()
      const final = await settle(() => landed(s.query, s.database, 'crash'), report.accepted, 45_000, s.drained)
      console.log(
        `process group SIGKILL x2: ${report.requests} requests, ${report.accepted + report.refused} events sent, ${report.accepted} answered 202, ${final.rows} rows found, ` +
          `${final.rows - final.ids} duplicates, ${report.retries} retries; restart to ready ${recoveries.join(' / ')} ms; all rows in and the stream drained ${Date.now() - settledFrom} ms after the load ended`,
      )
      if (final.rows !== final.ids) console.log(JSON.stringify(await s.query("SELECT JSONExtractString(_raw,'eid') AS e, count() AS c, groupArray(toString(_timestamp)) AS ts, groupArray(_id) AS ids FROM ${s.database}.crash GROUP BY e HAVING c > 1 ORDER BY e LIMIT 200")))
      expect(report.unresolved).toBe(0)
      expect(final).toEqual({ rows: report.accepted, ids: report.accepted, eids: report.accepted, refusedRows: 0 })
      s.proc.kill('SIGTERM')
      expect(await s.proc.exited).toBe(0)
    } finally {
      s.proc.kill('SIGKILL')
    }
  }, 120_000)
})
