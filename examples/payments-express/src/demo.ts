/**
 * `pnpm demo`: a flaky mobile client against the example payments API, on the embedded MemoryStore
 * (no server needed), first with idempotency on, then off.
 */
import { runDemo, type DemoRun } from './run-demo.js'

const interactive = process.stdout.isTTY === true
let lastLine = ''

console.log('idemkit demo: a flaky mobile network against the example payments API (Express, MemoryStore)')
console.log('The client times out while the server is still charging, retries with the same key, double-taps,')
console.log('loses responses, and once retries with a changed amount.\n')

const { on, off } = await runDemo({
  onProgress(label, done, total, stats) {
    const line = `  ${label}: ${String(done).padStart(2)}/${total} operations, ${stats.attempts} attempts sent`
    if (interactive) process.stdout.write(`\r${line}`)
    else if (done === total || done % 12 === 0) console.log(line)
    lastLine = line
  },
})
if (interactive) process.stdout.write(`\r${' '.repeat(lastLine.length)}\r`)

const rows: Array<[string, (run: DemoRun) => string | number]> = [
  ['attempts sent', (run) => run.attempts],
  ['logical operations', (run) => run.operations],
  ['client timeouts (server still working)', (run) => run.timeouts],
  ['side effects executed', (run) => run.sideEffects],
  ['replays served', (run) => run.replays],
  ['conflicts (409, still in flight)', (run) => run.conflicts],
  ['mismatches rejected (422)', (run) => run.mismatches],
  ['duplicate side effects', (run) => run.duplicateSideEffects],
  ['duplicate charges', (run) => run.duplicateCharges],
  ['time', (run) => `${(run.elapsedMs / 1000).toFixed(1)} s`],
]
const width = Math.max(...rows.map(([label]) => label.length))
console.log(`${''.padEnd(width)}   idempotency on   idempotency off`)
for (const [label, value] of rows) {
  console.log(`${label.padEnd(width)}   ${String(value(on)).padStart(14)}   ${String(value(off)).padStart(15)}`)
}
console.log(`\nduplicate charges: ${on.duplicateCharges}`)
console.log(
  `without idempotency the same client would have caused ${off.duplicateCharges} duplicate charge(s) and ` +
    `${off.duplicateSideEffects} duplicate side effect(s) across all six endpoints.`,
)
if (on.duplicateCharges !== 0 || on.duplicateSideEffects !== 0) process.exitCode = 1
