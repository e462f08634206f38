/**
 * `pnpm test:chaos`: run the chaos suite, print the table, and (with `--write <file>`) regenerate
 * docs/reliability.md. Exits non-zero when a zero does not hold.
 *
 * Usage: `node --conditions=@idemkit/source --import tsx src/run.ts [--size full|reduced]
 * [--only storm,crash] [--json rows.json] [--write docs/reliability.md] [--from a.json,b.json]`
 *
 * `--json` saves the rows; `--from` renders the page from saved rows of several partial runs
 * instead of running anything (for a long run done in parts); `--note` adds a line about how it
 * was run to the page, `--append <file.md>` a section of findings written by hand.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { reliabilityPage, table } from './report.js'
import { passed, type Row } from './scenario.js'
import { FULL, REDUCED } from './sizes.js'
import { runSuite, steps } from './suite.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'full' },
    only: { type: 'string' },
    write: { type: 'string' },
    json: { type: 'string' },
    from: { type: 'string' },
    note: { type: 'string' },
    append: { type: 'string' },
  },
})
const sizes = values.size === 'reduced' ? REDUCED : FULL
let startedAt = new Date()
let elapsedMs = 0
let rows: Row[]
if (values.from !== undefined) {
  const parts = await Promise.all(values.from.split(',').map(async (file) => JSON.parse(await readFile(file, 'utf8')) as SavedRun))
  const order = steps(sizes).map((step) => step.name)
  // A step measured again in a later part replaces the earlier row.
  const latest = new Map(parts.flatMap((part) => part.rows).map((saved) => [saved.step, saved]))
  rows = [...latest.values()]
    .sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step))
    .map((saved) => saved.row)
  startedAt = new Date(Math.min(...parts.map((part) => Date.parse(part.startedAt))))
  elapsedMs = parts.reduce((sum, part) => sum + part.elapsedMs, 0)
} else {
  const saved: SavedRun = { startedAt: startedAt.toISOString(), elapsedMs: 0, rows: [] }
  rows = await runSuite(sizes, {
    only: values.only?.split(','),
    onRow: async (step, row) => {
      saved.rows.push({ step, row })
      saved.elapsedMs = Date.now() - startedAt.getTime()
      if (values.json !== undefined) await writeFile(values.json, JSON.stringify(saved, null, 2))
    },
  })
  elapsedMs = Date.now() - startedAt.getTime()
}
console.log(`\n${table(rows)}\n`)
if (values.write !== undefined) {
  const appendix = values.append === undefined ? '' : `\n${await readFile(values.append, 'utf8')}`
  await writeFile(values.write, reliabilityPage(rows, sizes, startedAt, elapsedMs, values.note) + appendix)
  console.log(`wrote ${values.write}`)
}
process.exitCode = rows.every(passed) ? 0 : 1

/** Rows saved by `--json`. */
interface SavedRun {
  startedAt: string
  elapsedMs: number
  rows: Array<{ step: string; row: Row }>
}
