/**
 * The demo as a function: start the example API on the embedded MemoryStore, drive it with the
 * flaky client, count what happened on the server, and do it all again with idempotency switched
 * off. `demo.ts` prints it; the tests assert on it.
 */
import type { AddressInfo } from 'node:net'
import { MemoryStore } from '@idemkit/core'
import { createApp } from './app.js'
import { buildScenarios, runFlakyClient, type ClientStats, type ClientTiming } from './flaky-client.js'
import { Ledger } from '@idemkit/example-payments-shared/operations'

/** One run of the client against the API. */
export interface DemoRun extends ClientStats {
  idempotent: boolean
  /** Side effects the server performed (charges, orders, messages, …). */
  sideEffects: number
  /** Side effects beyond the first per logical operation, all endpoints. */
  duplicateSideEffects: number
  /** Payments charged more than once. */
  duplicateCharges: number
  elapsedMs: number
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Logical operations per endpoint (six endpoints). Default 8. */
  perOperation?: number
  /** How long each operation takes on the server. Default 80 ms. */
  latencyMs?: number
  /** The client's timing. Defaults fit `latencyMs`. */
  timing?: Partial<ClientTiming>
  /** Called after each finished operation. */
  onProgress?: (label: string, done: number, total: number, stats: ClientStats) => void
}

/** Run the demo with idempotency on, then off. */
export async function runDemo(options: DemoOptions = {}): Promise<{ on: DemoRun; off: DemoRun }> {
  const on = await runOnce(true, options)
  const off = await runOnce(false, options)
  return { on, off }
}

async function runOnce(idempotent: boolean, options: DemoOptions): Promise<DemoRun> {
  const latencyMs = options.latencyMs ?? 80
  const timing: ClientTiming = {
    shortTimeoutMs: Math.max(5, Math.floor(latencyMs / 3)),
    timeoutMs: 5_000,
    backoffMs: Math.max(10, Math.floor(latencyMs * 0.75)),
    concurrency: 12,
    ...options.timing,
  }
  const ledger = new Ledger()
  const app = createApp({ store: new MemoryStore(), ledger, latencyMs, idempotent })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const started = Date.now()
  try {
    const { port } = server.address() as AddressInfo
    const scenarios = buildScenarios(options.perOperation ?? 8)
    const label = idempotent ? 'idempotency on ' : 'idempotency off'
    const stats = await runFlakyClient(`http://127.0.0.1:${port}`, scenarios, timing, (done, current) =>
      options.onProgress?.(label, done, scenarios.length, current),
    )
    // Requests the client gave up on may still be running on the server: let them finish, so every
    // side effect they cause is counted.
    await settle(ledger, latencyMs)
    return {
      ...stats,
      idempotent,
      sideEffects: ledger.count(),
      duplicateSideEffects: ledger.duplicates(),
      duplicateCharges: ledger.duplicates('payments'),
      elapsedMs: Date.now() - started,
    }
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Wait until the ledger stops growing for a few server latencies. */
async function settle(ledger: Ledger, latencyMs: number): Promise<void> {
  let count = -1
  while (ledger.count() !== count) {
    count = ledger.count()
    await new Promise((resolve) => setTimeout(resolve, latencyMs * 3))
  }
}
