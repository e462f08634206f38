/**
 * Hono + idemkit on Bun, Deno and Cloudflare's workerd (through miniflare). The smoke app is bundled
 * with esbuild (resolving workspace packages to source, and `#crypto` to the Web Crypto build, as
 * those runtimes do), then each runtime serves it: two requests with one key, the second a replay.
 * The binaries come from the `bun`, `deno` and `workerd` npm packages in devDependencies.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { twoRequestsEach } from './runtimes/app.js'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
let dir: string

async function bundle(entry: string, outfile: string): Promise<string> {
  const path = join(dir, outfile)
  await build({
    entryPoints: [join(here, 'runtimes', entry)],
    outfile: path,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['@idemkit/source', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  })
  return path
}

/** The platform binary the `bun` package would have copied in its (skipped) postinstall. */
function bunBinary(): string {
  const bunPackage = dirname(require.resolve('bun/package.json'))
  const platform = createRequire(join(bunPackage, 'package.json')).resolve(`@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : 'x64'}/package.json`)
  return join(dirname(platform), 'bin', 'bun')
}

function expectReplays(results: unknown[]): void {
  expect(results).toHaveLength(4)
  const [first, replay, webFirst, webReplay] = results as Array<{ status: number; replayed: string | null; body: string }>
  expect(first).toMatchObject({ status: 201, replayed: null })
  expect(JSON.parse(first?.body ?? '')).toEqual({ id: 'pay_1', amount: 42 })
  expect(replay).toEqual({ ...first, replayed: 'true' })
  expect(webFirst).toMatchObject({ status: 201, replayed: null })
  expect(JSON.parse(webFirst?.body ?? '')).toEqual({ id: 'web_2', amount: 42 })
  expect(webReplay).toEqual({ ...webFirst, replayed: 'true' })
}

describe('Hono adapter on other runtimes', () => {
  let serveBundle: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idemkit-runtimes-'))
    serveBundle = await bundle('serve.ts', 'serve.mjs')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('Bun', async () => {
    const { stdout } = await run(bunBinary(), [serveBundle], { timeout: 30_000 })
    const output = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { runtime: string; results: unknown[] }
    expect(output.runtime).toBe('bun')
    expectReplays(output.results)
  })

  test('Deno', async () => {
    const deno = join(dirname(require.resolve('deno/package.json')), 'bin.cjs')
    const { stdout } = await run(process.execPath, [deno, 'run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', serveBundle], { timeout: 60_000 })
    const output = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { runtime: string; results: unknown[] }
    expect(output.runtime).toMatch(/^deno 2\./)
    expectReplays(output.results)
  })

  test('Cloudflare Workers (workerd via miniflare)', async () => {
    const worker = await bundle('worker.ts', 'worker.mjs')
    // The script is passed inline: a scriptPath outside the working directory is refused by workerd.
    const miniflare = new Miniflare({ modules: true, script: await readFile(worker, 'utf8'), compatibilityDate: '2025-07-01' })
    try {
      const results = await twoRequestsEach(async (path, init) => {
        const response = await miniflare.dispatchFetch(`http://localhost${path}`, init as never)
        return new Response(await response.arrayBuffer(), { status: response.status, headers: Object.fromEntries(response.headers as never) })
      })
      expectReplays(results)
    } finally {
      await miniflare.dispose()
    }
  })
})
