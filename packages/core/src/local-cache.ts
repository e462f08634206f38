/**
 * An opt-in, in-process cache of COMPLETED records, so a hot replay costs zero store round trips.
 * In-progress records are never cached (their state changes under us); entries respect `expiresAt`.
 * Completed records are immutable until they expire, so a cached one can never be stale.
 *
 * @module
 */

/** What the cache keeps of a completed record. */
export interface CachedCompletion {
  fingerprint: string
  result: string
  expiresAt: number
}

/** Bounded LRU of completed records, keyed by storage key. @internal */
export class LocalCache {
  private readonly entries = new Map<string, CachedCompletion>()

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`localCache.maxEntries must be a positive integer, got ${String(maxEntries)}`)
    }
  }

  /** The live cached completion for `key` at `now`, if any. */
  get(key: string, now: number): CachedCompletion | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.entries.delete(key)
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry
  }

  /** Forget `key`, e.g. when a completion cached before its transaction committed was rolled back. */
  delete(key: string): void {
    this.entries.delete(key)
  }

  /** Remember a completed record. */
  set(key: string, entry: CachedCompletion): void {
    this.entries.delete(key)
    this.entries.set(key, entry)
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
  }
}
