/**
 * The key state machine: pure functions, no I/O. Given what the store's atomic claim (or a read)
 * returned and the incoming request's fingerprint, decide what happens (DESIGN.md §2):
 *
 * | found | same fingerprint | decision |
 * | --- | --- | --- |
 * | nothing live | – | `execute` (we own the lease) |
 * | in_progress | yes | `in_flight` (reject with a retry hint, or wait) |
 * | completed | yes | `replay` the stored result |
 * | any live record | no | `mismatch` (the key was reused for a different request) |
 *
 * ```
 *             acquire (one atomic store call)
 *  absent ───────────────────────────────► in_progress(token, lockedUntil)
 *    ▲   release(token) on a retryable failure  │ lease lapses: next acquire takes over (new token);
 *    │                                          │ the old owner's complete/release now fail (fencing)
 *    │ expiresAt passes                         ▼ complete(token, result, expiresAt)
 *    └──────────────────────────────────── completed(result)
 * ```
 *
 * @module
 */
import type { AcquireResult, IdempotencyRecord } from './store.js'
import { isLive } from './store.js'

/** What to do with an incoming request. */
export type Decision =
  | { readonly kind: 'execute' }
  | { readonly kind: 'replay'; readonly record: IdempotencyRecord }
  | { readonly kind: 'in_flight'; readonly record: IdempotencyRecord; readonly retryAfterMs: number }
  | { readonly kind: 'mismatch'; readonly record: IdempotencyRecord }

/** What a read (`get`) says about a key while waiting for an in-flight execution. */
export type ReadDecision = Decision | { readonly kind: 'absent' }

/** Smallest retry hint we give, so clients never spin: `Retry-After` is in whole seconds anyway. */
export const MIN_RETRY_AFTER_MS = 1_000

const EXECUTE: Decision = { kind: 'execute' }

/**
 * Decide from a live record that blocks the key: replay, in flight or mismatch. A mismatch wins
 * over both: a different request must never see another request's result or wait for it.
 */
export function decideForLiveRecord(record: IdempotencyRecord, fingerprint: string, now: number): Decision {
  if (record.fingerprint !== fingerprint) return { kind: 'mismatch', record }
  if (record.status === 'completed') return { kind: 'replay', record }
  return { kind: 'in_flight', record, retryAfterMs: Math.max(MIN_RETRY_AFTER_MS, record.lockedUntil - now) }
}

/** Decide from what `acquire` returned. */
export function decideAfterAcquire(result: AcquireResult, fingerprint: string, now: number): Decision {
  return result.acquired ? EXECUTE : decideForLiveRecord(result.record, fingerprint, now)
}

/**
 * Decide from what `get` returned: `absent` when there is no live record (the caller should try to
 * acquire again), otherwise as for a live record.
 */
export function decideAfterRead(record: IdempotencyRecord | undefined, fingerprint: string, now: number): ReadDecision {
  if (record === undefined || !isLive(record, now)) return { kind: 'absent' }
  return decideForLiveRecord(record, fingerprint, now)
}
