// The console's browser code, bundled by Bun in memory on first request (CodeMirror, uPlot and
// the console's own modules into one script and one stylesheet): nothing comes from a CDN, and
// no build step is needed before `npm start`.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface ConsoleAsset {
  body: Uint8Array
  /** The same, gzipped once at build (the script is about 520 KB, 180 KB gzipped). */
  gzipped: Uint8Array
  type: string
}

export interface ConsoleBundle {
  html: string
  /** By path under /console/, e.g. `app.js`. */
  assets: Map<string, ConsoleAsset>
}

const WEB_DIR = join(import.meta.dir, 'web')

let building: Promise<ConsoleBundle> | undefined

/** The bundle, built once per process; a failed build is tried again on the next request. */
export function consoleBundle(): Promise<ConsoleBundle> {
  building ??= build().catch((error) => {
    building = undefined
    throw error
  })
  return building
}

async function build(): Promise<ConsoleBundle> {
  const result = await Bun.build({ entrypoints: [join(WEB_DIR, 'main.ts')], target: 'browser', minify: true, naming: '[name].[ext]' })
  if (!result.success) throw new AggregateError(result.logs, 'the console bundle did not build')
  const assets = new Map<string, ConsoleAsset>()
  for (const output of result.outputs) {
    const name = output.path.slice(output.path.lastIndexOf('/') + 1)
    const body = new Uint8Array(await output.arrayBuffer())
    assets.set(name, { body, gzipped: Bun.gzipSync(body), type: output.type })
  }
  const html = await readFile(join(WEB_DIR, 'index.html'), 'utf8')
  return { html, assets }
}
