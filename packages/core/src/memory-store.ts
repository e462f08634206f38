import type {
  AcquireInput,
  AcquireResult,
  CompleteInput,
  ExtendInput,
  IdempotencyRecord,
  IdempotencyStore,
  ReleaseInput,
} from './store.js'
import { isLive } from './store.js'

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Upper bound on records kept. Past it, the least recently used *completed* (or dead) record is
   * evicted; an in-progress record is never evicted, because that would let a duplicate run while
   * the first execution is still going. Default 100,000.
   */
  maxEntries?: number
}

const DEFAULT_MAX_ENTRIES = 100_000
/** How many of the oldest entries each `acquire` inspects for expiry, so sweeping stays O(1) amortised. */
const SWEEP_PER_CALL = 4

/**
 * The embedded default store: records in a `Map` in this process.
 *
 * Atomicity: every method does its check and its write synchronously, with no `await` between
 * them, so within one JavaScript process no other call can interleave. It is NOT shared between
 * processes or servers: use a Redis, PostgreSQL or DynamoDB store as soon as more than one process
 * serves the same keys. Records are lost on restart, and with `maxEntries` reached the oldest
 * completed records are evicted early (a retry after eviction executes again).
 *
 * @example
 * ```ts
 * import { createIdempotency, MemoryStore } from '@idemkit/core'
 * const engine = createIdempotency({ store: new MemoryStore({ maxEntries: 10_000 }) })
 * ```
 */
export class MemoryStore implements IdempotencyStore {
  readonly name = 'memory'
  private readonly records = new Map<string, IdempotencyRecord>()
  private readonly maxEntries: number
  /** Latest `now` the core has told us; used only to sweep expired records lazily. */
  private lastNow = 0
  /** Inserts since the last full sweep of expired records; starts high so the first overflow sweeps. */
  private insertsSinceFullSweep = Number.POSITIVE_INFINITY
  /** Where the lazy expiry sweep goes on from (see {@link MemoryStore.sweepOldest}). */
  private sweepCursor: MapIterator<[string, IdempotencyRecord]> = this.records.entries()

  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`MemoryStore: maxEntries must be a positive integer, got ${String(options.maxEntries)}`)
    }
    this.maxEntries = maxEntries
  }

  /** Number of records currently held (live or not yet swept). */
  get size(): number {
    return this.records.size
  }

  async acquire(input: AcquireInput): Promise<AcquireResult> {
    const { key, now } = input
    if (now > this.lastNow) this.lastNow = now
    this.sweepOldest(SWEEP_PER_CALL)
    const existing = this.records.get(key)
    if (existing !== undefined && isLive(existing, now)) {
      this.touch(key, existing)
      return { acquired: false, record: { ...existing } }
    }
    if (existing !== undefined) this.records.delete(key)
    this.makeRoom()
    this.insertsSinceFullSweep++
    this.records.set(key, {
      key,
      status: 'in_progress',
      fingerprint: input.fingerprint,
      token: input.token,
      lockedUntil: input.lockedUntil,
      expiresAt: input.expiresAt,
    })
    return { acquired: true }
  }

  async complete(input: CompleteInput): Promise<boolean> {
    const record = this.records.get(input.key)
    if (record === undefined || record.status !== 'in_progress' || record.token !== input.token) return false
    record.status = 'completed'
    record.result = input.result
    record.expiresAt = input.expiresAt
    this.touch(input.key, record)
    return true
  }

  async release(input: ReleaseInput): Promise<boolean> {
    const record = this.records.get(input.key)
    if (record === undefined || record.token !== input.token) return false
    this.records.delete(input.key)
    return true
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const record = this.records.get(key)
    return record === undefined ? undefined : { ...record }
  }

  async extend(input: ExtendInput): Promise<boolean> {
    const record = this.records.get(input.key)
    if (record === undefined || record.status !== 'in_progress' || record.token !== input.token) return false
    record.lockedUntil = input.lockedUntil
    if (record.expiresAt < input.lockedUntil) record.expiresAt = input.lockedUntil
    return true
  }

  /** Remove every record (for tests). */
  clear(): void {
    this.records.clear()
    this.sweepCursor = this.records.entries()
  }

  /** Move `key` to the most-recently-used end of the map's insertion order. */
  private touch(key: string, record: IdempotencyRecord): void {
    this.records.delete(key)
    this.records.set(key, record)
  }

  /**
   * Inspect the next `budget` records of a cursor that cycles through the map, dropping dead ones.
   * The cursor persists between calls (a Map iterator stays valid while the map changes): a fresh
   * `for…of` from the start on every call had to step over every slot `touch` had vacated at the
   * front of the map's table, which made replays on a busy store cost several times more.
   */
  private sweepOldest(budget: number): void {
    for (let inspected = 0; inspected < budget; inspected++) {
      let next = this.sweepCursor.next()
      if (next.done === true) {
        this.sweepCursor = this.records.entries()
        next = this.sweepCursor.next()
        if (next.done === true) return
      }
      const [key, record] = next.value
      if (!isLive(record, this.lastNow) && record.expiresAt <= this.lastNow) this.records.delete(key)
    }
  }

  /**
   * Make room for one more record: first drop every expired record (a full sweep, done at most
   * once per tenth of `maxEntries` inserts so a store full of live records does not scan on every
   * insert), then evict least-recently-used completed records. Expired records go first so a live
   * result is never evicted while a dead one is kept.
   */
  private makeRoom(): void {
    if (this.records.size < this.maxEntries) return
    if (this.insertsSinceFullSweep >= this.maxEntries / 10) {
      this.insertsSinceFullSweep = 0
      for (const [key, record] of this.records) {
        if (!isLive(record, this.lastNow) && record.expiresAt <= this.lastNow) this.records.delete(key)
      }
      if (this.records.size < this.maxEntries) return
    }
    for (const [key, record] of this.records) {
      if (record.status === 'completed' || !isLive(record, this.lastNow)) {
        this.records.delete(key)
        if (this.records.size < this.maxEntries) return
      }
    }
    throw new Error(
      `MemoryStore is full: all ${this.records.size} records are in progress (maxEntries ${this.maxEntries}); refusing to evict a running execution`,
    )
  }
}
