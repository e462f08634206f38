/**
 * The tarball smoke test: proof that "install core plus one adapter from npm" works.
 *
 * 1. `pnpm pack` every public package (the workspace's `workspace:` ranges and `publishConfig` are
 *    applied exactly as `changeset publish` would).
 * 2. `npm install` the tarballs into a fresh npm project in the OS temp directory, OUTSIDE the
 *    workspace, so nothing can resolve through workspace links or the `@idemkit/source` condition.
 * 3. Run a CommonJS script, an ESM script and `tsc --noEmit` against the installed packages.
 * 4. Print the packed size of every package, and remove the temporary directory.
 *
 * Set `IDEMKIT_SMOKE_KEEP=1` to keep the temporary project for debugging.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expectedExports, thirdPartyInstalls } from './expected.js'
import { inspectTarball, type PackedPackage } from './tarball.js'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const fixtures = resolve(here, '../fixtures')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
/**
 * Budgets that catch a hung registry or process, not slowness: npm install of the tarballs and their
 * peers costs ~12 s of CPU, but on a loaded 2-core CI box it took 60 s of wall time.
 */
const INSTALL_TIMEOUT_MS = 240_000
const STEP_TIMEOUT_MS = 120_000

async function main(): Promise<void> {
  const started = Date.now()
  const packageDirs = await publicPackageDirs()
  const temp = await mkdtemp(join(tmpdir(), 'idemkit-tarball-smoke-'))
  if (!relative(repoRoot, temp).startsWith('..')) {
    throw new Error(`the smoke project must live outside the workspace, got ${temp}`)
  }
  try {
    const tarballs = join(temp, 'tarballs')
    const app = join(temp, 'app')
    await mkdir(tarballs)
    await mkdir(app)

    progress(`packing ${packageDirs.length} packages`)
    const packed = await Promise.all(packageDirs.map((dir) => pack(dir, tarballs)))

    progress('installing the tarballs into a fresh npm project')
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'idemkit-smoke-app', version: '0.0.0', private: true }, null, 2))
    for (const file of await readdir(fixtures)) await copyFile(join(fixtures, file), join(app, file))
    await writeFile(join(app, 'expected-exports.json'), JSON.stringify(expectedExports, null, 2))
    await step(
      'npm install',
      'npm',
      // --prefer-offline: reuse the npm cache without revalidating every package (pinned versions).
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((entry) => entry.file), ...thirdPartyInstalls],
      app,
      INSTALL_TIMEOUT_MS,
    )

    progress('running the CommonJS, ESM and TypeScript consumers')
    const cjs = await step('node smoke.cjs', process.execPath, ['smoke.cjs'], app)
    const esm = await step('node smoke.mjs', process.execPath, ['smoke.mjs'], app)
    await step('tsc --noEmit', process.execPath, [tsc, '-p', 'tsconfig.json'], app)

    console.log(cjs.trim())
    console.log(esm.trim())
    console.log('tsc --noEmit ok')
    printSizes(packed)
    console.log(`tarball smoke test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    if (process.env.IDEMKIT_SMOKE_KEEP === '1') console.log(`kept ${temp}`)
    else await rm(temp, { recursive: true, force: true })
  }
}

/** Every non-private package under packages/, found from disk so a new package is covered automatically. */
async function publicPackageDirs(): Promise<string[]> {
  const root = join(repoRoot, 'packages')
  const dirs: string[] = []
  for (const name of (await readdir(root)).sort()) {
    const manifest = join(root, name, 'package.json')
    const exists = await stat(manifest).then(() => true, () => false)
    if (!exists) continue
    const pkg = JSON.parse(await readFile(manifest, 'utf8')) as { private?: boolean }
    if (pkg.private !== true) dirs.push(join(root, name))
  }
  return dirs
}

async function pack(dir: string, destination: string): Promise<PackedPackage> {
  const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', destination], {
    cwd: dir,
    timeout: STEP_TIMEOUT_MS,
  })
  const { name, filename } = JSON.parse(stdout) as { name: string; filename: string }
  return inspectTarball(name, resolve(dir, filename))
}

async function step(label: string, command: string, args: string[], cwd: string, timeout = STEP_TIMEOUT_MS): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${label} failed in ${cwd}:\n${failure.stdout ?? ''}\n${failure.stderr ?? failure.message}`)
  }
}

function printSizes(packed: readonly PackedPackage[]): void {
  console.log('\npackage                          packed KB   unpacked KB   files')
  for (const entry of packed) {
    console.log(
      `${entry.name.padEnd(32)} ${(entry.packedBytes / 1024).toFixed(1).padStart(9)}   ${(entry.unpackedBytes / 1024).toFixed(1).padStart(11)}   ${String(entry.files).padStart(5)}`,
    )
  }
  console.log('')
}

function progress(message: string): void {
  console.log(`tarball smoke: ${message}…`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
