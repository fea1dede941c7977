// HOST: the HTTP server binds the address it names, and says so. Bound to 127.0.0.1 it is not reached
// through another address of the machine (127.0.0.2, also local); bound to every interface it is.
import { afterAll, describe, expect, test } from 'bun:test'
import { startTestPipeline, type TestPipeline } from '../support/pipeline'

const pipelines: TestPipeline[] = []
afterAll(async () => {
  for (const p of pipelines) await p.stop()
})

const answers = (url: string) => fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false)

describe('HOST', () => {
  test('HOST=127.0.0.1 binds this machine only: reached at 127.0.0.1, not at another local address', async () => {
    const p = await startTestPipeline({ HOST: '127.0.0.1' })
    pipelines.push(p)
    expect(p.sluice.url).toBe(`http://127.0.0.1:${p.sluice.port}`)
    expect(await answers(`http://127.0.0.1:${p.sluice.port}`)).toBe(true)
    expect(await answers(`http://127.0.0.2:${p.sluice.port}`)).toBe(false)
  }, 30_000)

  test('by default every interface is bound', async () => {
    const p = await startTestPipeline({})
    pipelines.push(p)
    expect(await answers(`http://127.0.0.2:${p.sluice.port}`)).toBe(true)
  }, 30_000)

  test('a HOST that is not an address of this machine is a start-up error, not a silent fall-back', async () => {
    await expect(startTestPipeline({ HOST: '192.0.2.1' })).rejects.toThrow()
  }, 30_000)
})
