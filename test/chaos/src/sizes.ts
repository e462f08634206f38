/**
 * The two sizes of a run: `full` (the figures in docs/reliability.md, `pnpm test:chaos`) and
 * `reduced` (part of `pnpm test`: the same scenarios, smaller, asserting the same zeros, under ~3
 * minutes on a shared 2-core machine).
 *
 * @module
 */

/** Every knob a scenario reads. */
export interface Sizes {
  name: 'full' | 'reduced'
  storm: { ops: number; duplicates: number; workers: number; concurrency: number }
  crash: { ops: number; transactionalOps: number }
  fencing: { takeovers: number; concurrency: number }
  outage: { cutMs: number; clients: number }
  slow: { ops: number; concurrency: number; latencyMs: number }
  hostile: { requests: number; bigBodies: number; slowLoris: number; concurrency: number }
  tenants: { keys: number }
  /** 0 skips the soak. */
  soak: { ms: number; rate: number }
}

/** The full run. */
export const FULL: Sizes = {
  name: 'full',
  storm: { ops: 10_000, duplicates: 8, workers: 4, concurrency: 48 },
  crash: { ops: 100, transactionalOps: 30 },
  fencing: { takeovers: 1_000, concurrency: 100 },
  outage: { cutMs: 5_000, clients: 32 },
  slow: { ops: 600, concurrency: 8, latencyMs: 200 },
  hostile: { requests: 100_000, bigBodies: 20, slowLoris: 20, concurrency: 48 },
  tenants: { keys: 1_000 },
  soak: { ms: 600_000, rate: 150 },
}

/** The CI run. */
export const REDUCED: Sizes = {
  name: 'reduced',
  storm: { ops: 80, duplicates: 8, workers: 4, concurrency: 24 },
  crash: { ops: 20, transactionalOps: 8 },
  fencing: { takeovers: 30, concurrency: 30 },
  outage: { cutMs: 4_000, clients: 8 },
  slow: { ops: 50, concurrency: 8, latencyMs: 200 },
  hostile: { requests: 1_500, bigBodies: 2, slowLoris: 2, concurrency: 24 },
  tenants: { keys: 30 },
  soak: { ms: 0, rate: 0 },
}
