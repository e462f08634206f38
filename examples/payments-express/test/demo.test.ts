import { expect, test } from 'vitest'
import { runDemo } from '../src/run-demo.js'

test('pnpm demo: the flaky client causes no duplicate charge with idempotency, and duplicates without', async () => {
  const { on, off } = await runDemo({ perOperation: 8 }) // the full scenario cycle, as `pnpm demo` runs it
  // The promise: every logical operation's side effect happened exactly once.
  expect(on.duplicateCharges).toBe(0)
  expect(on.duplicateSideEffects).toBe(0)
  expect(on.sideEffects).toBe(on.operations)
  expect(on.replays).toBeGreaterThan(0)
  expect(on.mismatches).toBe(1) // the retry with a changed amount
  // The same client without idempotency: lost responses, timeouts and the changed amount all charge again.
  expect(off.duplicateCharges).toBeGreaterThan(0)
  expect(off.sideEffects).toBeGreaterThan(off.operations)
  expect(off.replays).toBe(0)
}, 60_000)
