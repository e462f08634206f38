import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

interface JsonReport {
  numFailedTests: number
  numPassedTests: number
  testResults: { assertionResults: { title: string; status: string }[] }[]
}

/** Run the conformance kit against a deliberately broken store in a separate vitest process. */
async function runBrokenSuite(): Promise<JsonReport> {
  const dir = await mkdtemp(join(tmpdir(), 'idemkit-kit-can-fail-'))
  const outputFile = join(dir, 'report.json')
  try {
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [join(packageDir, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/fixtures/vitest.config.ts', '--reporter=json', `--outputFile=${outputFile}`],
        { cwd: packageDir, env: { ...process.env, CI: 'true' } },
        // A non-zero exit is the expected outcome: the report says what failed.
        () => resolve(),
      )
    })
    return JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('the conformance kit fails a get-then-set claim and an unfenced complete/release', async () => {
  const report = await runBrokenSuite()
  const status = new Map(report.testResults.flatMap((file) => file.assertionResults.map((result) => [result.title, result.status])))
  // The race cases catch the two-round-trip claim…
  expect(status.get('50 concurrent acquires on one key: exactly one winner')).toBe('failed')
  expect(status.get('concurrent acquires on many keys: one winner per key')).toBe('failed')
  // …and the fencing cases catch the unfenced writes.
  expect(status.get('after a takeover the old token cannot complete, release or extend')).toBe('failed')
  expect(status.get('complete happens once: a second complete returns false and keeps the first result')).toBe('failed')
  expect(status.get('release only by the owner, and the key is free afterwards')).toBe('failed')
  // What the broken store does right still passes: the kit does not fail indiscriminately.
  expect(status.get('get of an unknown key is undefined')).toBe('passed')
  expect(report.numPassedTests).toBeGreaterThan(0)
}, 60_000)
