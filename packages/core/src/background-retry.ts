/**
 * Retrying a store call after the caller has moved on: timers that never keep the process alive,
 * backoff up to a ceiling, and a stop as soon as the call gets through, is cancelled, or would
 * land too late to matter.
 *
 * @module
 */

/** When and how long {@link retryInBackground} keeps trying. @internal */
export interface BackgroundRetry {
  /** Pause before the first attempt, in ms; it doubles after each failure. */
  firstDelayMs: number
  /** Longest pause between attempts, in ms. */
  maxDelayMs: number
  /** Milliseconds left before an attempt would be pointless (e.g. the lease lapses). */
  timeLeft: () => number
  /** True once the caller no longer wants it (e.g. the lease was released). */
  cancelled: () => boolean
}

/**
 * Run `attempt` later, again and again while it rejects, until it resolves (whatever its value),
 * `cancelled()` turns true, or the next pause would not end before `timeLeft()` runs out.
 * @internal
 */
export function retryInBackground(attempt: () => Promise<unknown>, retry: BackgroundRetry): void {
  let delayMs = Math.min(retry.firstDelayMs, retry.maxDelayMs)
  const next = (): void => {
    if (retry.cancelled() || retry.timeLeft() <= delayMs) return
    const timer = setTimeout(() => {
      if (retry.cancelled()) return
      attempt().then(
        () => undefined,
        () => next(),
      )
    }, delayMs)
    ;(timer as { unref?: () => void }).unref?.()
    delayMs = Math.min(delayMs * 2, retry.maxDelayMs)
  }
  next()
}
