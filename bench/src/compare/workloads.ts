/**
 * The request streams: which Idempotency-Key each request carries. Keys are prefixed with the run's
 * namespace and the configuration, so no two configurations (or runs) ever share a record, and the
 * harness can delete every key a run wrote.
 *
 * @module
 */
import { ORDERS_PATH, REPORTS_PATH } from './payloads.js'

export type WorkloadId = 'new' | 'replay' | 'mixed' | 'dup8' | 'replay100k'

export interface Workload {
  id: WorkloadId
  title: string
  path: string
  /** The key of the `n`-th request of a measurement (`n` counts from 0 across all connections). */
  keyOf(prefix: string, n: number, round: number): string
}

/** Keys of `/orders` seeded (executed once) before measuring, then replayed in turn. */
export const SEEDED_KEYS = 500
/** Keys of `/reports` seeded: fewer, as each stores 100 KB (500 would write 50 MB per configuration). */
export const SEEDED_REPORT_KEYS = 50

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'new',
    title: 'new keys (every request executes)',
    path: ORDERS_PATH,
    keyOf: (prefix, n, round) => `${prefix}-n${round}-${n}`,
  },
  {
    id: 'replay',
    title: 'replays (every request is a retry of a completed one)',
    path: ORDERS_PATH,
    keyOf: (prefix, n) => seededKey(prefix, ORDERS_PATH, n),
  },
  {
    id: 'mixed',
    title: '50/50 new keys and replays',
    path: ORDERS_PATH,
    keyOf: (prefix, n, round) => (n % 2 === 0 ? `${prefix}-m${round}-${n}` : seededKey(prefix, ORDERS_PATH, n >> 1)),
  },
  {
    id: 'dup8',
    title: '8-way concurrent duplicates (each key sent by 8 requests in a row, across the 20 connections)',
    path: ORDERS_PATH,
    keyOf: (prefix, n, round) => `${prefix}-d${round}-${Math.floor(n / 8)}`,
  },
  {
    id: 'replay100k',
    title: 'replays of a 100 KB response',
    path: REPORTS_PATH,
    keyOf: (prefix, n) => seededKey(prefix, REPORTS_PATH, n),
  },
]

/** The `n`-th seeded key of `path` (cycling through {@link SEEDED_KEYS}). */
export function seededKey(prefix: string, path: string, n: number): string {
  return path === REPORTS_PATH ? `${prefix}-sr-${n % SEEDED_REPORT_KEYS}` : `${prefix}-so-${n % SEEDED_KEYS}`
}
