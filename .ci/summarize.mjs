// Sums the vitest "Tests  N passed | M failed" lines of a `pnpm test` log into one closing line
// ("N passed, M failed, K skipped") that CI can read across every package.
import { readFileSync } from 'node:fs'

const log = readFileSync(process.argv[2], 'utf8').replace(/\u001b\[[0-9;]*m/g, '')
let passed = 0
let failed = 0
let skipped = 0
for (const line of log.split('\n')) {
  const match = /\bTests\s+(.*)\(\d+\)\s*$/.exec(line)
  if (match === null) continue
  for (const [, count, kind] of match[1].matchAll(/(\d+)\s+(passed|failed|skipped|todo)/g)) {
    if (kind === 'passed') passed += Number(count)
    else if (kind === 'failed') failed += Number(count)
    else skipped += Number(count)
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
