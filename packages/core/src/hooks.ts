/**
 * Observability hooks: called for logging and metrics, never able to break a request. A hook that
 * throws or rejects is ignored (its error is swallowed on purpose: a broken logger must not turn a
 * payment into a 500).
 *
 * @module
 */
import type { IdempotencyStoreError, LeaseLostError } from './errors.js'

/** What every hook event carries. */
export interface HookEvent {
  /** The storage key (scope + user key). */
  key: string
  /** The request's fingerprint. */
  fingerprint: string
}

/** Hooks for logging and metrics. Each is optional and may be async; none can fail a request. */
export interface IdempotencyHooks {
  /** This caller acquired the key and is about to execute. */
  onExecute?(event: HookEvent): void | Promise<void>
  /** A stored result is being replayed; `fromCache` when served by the local cache (0 round trips). */
  onReplay?(event: HookEvent & { fromCache: boolean }): void | Promise<void>
  /** Another execution holds the key. */
  onInFlight?(event: HookEvent & { retryAfterMs: number }): void | Promise<void>
  /** The key was reused with a different request. */
  onMismatch?(event: HookEvent): void | Promise<void>
  /** This execution's lease was taken over; its result was not stored. */
  onLeaseLost?(event: HookEvent & { error: LeaseLostError }): void | Promise<void>
  /** A store call failed (it is rethrown as `store_unavailable` unless failing open). */
  onStoreError?(event: { key: string; error: IdempotencyStoreError }): void | Promise<void>
}

/** Call a hook without letting it throw or reject into the caller. */
export function fireHook<E>(hook: ((event: E) => void | Promise<void>) | undefined, event: E): void {
  if (hook === undefined) return
  try {
    const returned = hook(event)
    if (returned !== undefined && typeof (returned as Promise<void>).catch === 'function') {
      ;(returned as Promise<void>).catch(() => {})
    }
  } catch {
    // A broken hook must never break the request it observes.
  }
}
