/**
 * The reduced chaos run, part of `pnpm test`: every scenario of `pnpm test:chaos` at the REDUCED
 * size, against real servers and real worker processes, asserting the same zeros. A missing
 * PostgreSQL or Redis fails the run (with the command that starts it), it is never skipped.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { table } from '../src/report.js'
import type { Row } from '../src/scenario.js'
import { REDUCED } from '../src/sizes.js'
import { prepareRun, select, type PreparedRun } from '../src/suite.js'

const steps = select(REDUCED)
const rows: Row[] = []
let run: PreparedRun | undefined

beforeAll(async () => {
  run = await prepareRun(REDUCED, steps, () => {})
}, 180_000)

afterAll(async () => {
  await run?.close()
  if (rows.length > 0) console.log(`\n${table(rows)}\n`)
}, 60_000)

for (const step of steps) {
  test(step.name, async () => {
    if (run === undefined) throw new Error('chaos: the run was not prepared')
    const row = await step.run(run.context)
    rows.push(row)
    for (const check of row.checks) {
      expect.soft(check.value, `${row.scenario} on ${row.store}: ${check.name} (${row.figure})`).toBeLessThanOrEqual(check.max)
    }
  })
}
