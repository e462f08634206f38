import type { IdempotencyStore } from '@idemkit/core'

/** What each conformance case receives. */
export interface CaseContext {
  /** The store under test. */
  store: IdempotencyStore
  /** A storage key unique to this test run and case, so cases never see each other's records. */
  key(suffix?: string): string
  /** A fresh random token. */
  token(): string
  /** The suite's base time (epoch ms): real "now", so server-side TTLs never fire during a run. */
  t0: number
}

/** One named conformance case. */
export interface ConformanceCase {
  /** Stable name: pass it in `skip` to skip the case. */
  name: string
  /** Runs the case; throws (an assertion) on failure. */
  run(context: CaseContext): Promise<void>
  /** Longer timeout in ms for heavy cases. */
  timeout?: number
}

/** Standard deadlines relative to t0, generous enough that no server-side TTL fires mid-test. */
export const MINUTE = 60_000
