/**
 * # The store contract
 *
 * An {@link IdempotencyStore} keeps one record per storage key. It is deliberately small: an atomic
 * claim-or-read ({@link IdempotencyStore.acquire}), a fenced completion, a fenced release, a read and
 * an optional fenced lease extension. Everything else (policy, time, serialisation, retries) lives in
 * the core, so a store is easy to write and easy to prove with `@idemkit/store-conformance`.
 *
 * ## Units and time
 * The core owns time. Every call that needs the clock receives `now`, and every deadline is an
 * **absolute epoch-millisecond timestamp** (`lockedUntil`, `expiresAt`). Stores compare numbers; they
 * never add durations or read their own clock for correctness. (A store may turn `expiresAt` into a
 * server-side TTL for garbage collection, e.g. Redis `PEXPIREAT`, a DynamoDB TTL attribute or a purge
 * job, but correctness must never depend on that collection running on time.)
 *
 * ## Records
 * | field | meaning |
 * | --- | --- |
 * | `key` | the storage key (the user's key, already scoped by the core) |
 * | `status` | `'in_progress'` while an execution holds the lease, `'completed'` once its result is stored |
 * | `fingerprint` | hash of the request that created the record (hex SHA-256 by default) |
 * | `token` | random owner token of the execution that created the record (the fencing token) |
 * | `lockedUntil` | epoch ms at which an in-progress lease lapses |
 * | `expiresAt` | epoch ms at which the record stops being live (the retention window) |
 * | `result` | the serialised result, an opaque string, present only when `completed` |
 *
 * ## What "live" means
 * A record is **live** at time `now` when it is
 * - `in_progress` and `lockedUntil > now` (a worker holds the lease), or
 * - `completed` and `expiresAt > now` (its result is replayable).
 *
 * Anything else (no record; `completed` with `expiresAt <= now`; `in_progress` with `lockedUntil <= now`)
 * is **not live** and may be replaced by the next `acquire`.
 *
 * ## Races: who wins, what losers see
 * `acquire` is ONE atomic operation on the server (one SQL statement, one Lua script, one conditional
 * write). Under N concurrent `acquire` calls for one key with no live record, **exactly one** returns
 * `{ acquired: true }`; every other returns `{ acquired: false, record }` with the winner's record.
 * A get-then-set implemented as two round trips is NOT a valid store: two callers can both see
 * "absent" and both execute the side effect.
 *
 * ## Fencing
 * `complete`, `release` and `extend` take the caller's `token` and act only when the stored record
 * still carries that token (and, for `complete` and `extend`, is `in_progress`). When a lease lapsed and
 * another worker took the key over with a new token, the stale worker's calls return `false` and
 * change nothing. The core turns that `false` into a `lease_lost` error.
 *
 * ## Errors
 * A store throws (or rejects) when it cannot answer: unreachable server, timeout, refused write. The
 * core wraps every call and rethrows an `IdempotencyStoreError` (`store_unavailable`) naming the
 * operation and the store, with the original error as `cause`. Stores should bound their own
 * latency (a command or statement timeout) so a dead server never leaves a request hanging.
 *
 * ## Writing one
 * Implement the five methods, then prove it:
 * ```ts
 * import { runStoreConformance } from '@idemkit/store-conformance'
 * runStoreConformance({ name: 'my-store', createStore: () => new MyStore() })
 * ```
 *
 * @module
 */

/** Status of a record. */
export type RecordStatus = 'in_progress' | 'completed'

/** One stored record, as `get` and a losing `acquire` return it. All times are epoch milliseconds. */
export interface IdempotencyRecord {
  /** The storage key. */
  key: string
  /** `'in_progress'` while a worker holds the lease; `'completed'` once the result is stored. */
  status: RecordStatus
  /** Fingerprint of the request that created the record. */
  fingerprint: string
  /** Owner token of the execution that created the record (fencing token). */
  token: string
  /** Epoch ms at which the in-progress lease lapses. */
  lockedUntil: number
  /** Epoch ms at which the record stops being live. */
  expiresAt: number
  /** The serialised result; present only when `status` is `'completed'`. */
  result?: string
}

/** Input of {@link IdempotencyStore.acquire}. All times are epoch milliseconds. */
export interface AcquireInput {
  /** The storage key. */
  key: string
  /** Fingerprint of the incoming request. */
  fingerprint: string
  /** A fresh random token that will own the record if the claim succeeds. */
  token: string
  /** The core's current time; decides whether an existing record is live. */
  now: number
  /** When the new in-progress lease lapses (`now` + lease). */
  lockedUntil: number
  /** Garbage-collection deadline for the new in-progress record (never before `lockedUntil`). */
  expiresAt: number
}

/**
 * What {@link IdempotencyStore.acquire} returns: either the claim succeeded (a new in-progress record
 * owned by the given token now exists) or the live record that blocked it.
 */
export type AcquireResult = { acquired: true } | { acquired: false; record: IdempotencyRecord }

/** Input of {@link IdempotencyStore.complete}. */
export interface CompleteInput {
  /** The storage key. */
  key: string
  /** The token the caller acquired the record with. */
  token: string
  /** The serialised result to store, byte for byte (an opaque string). */
  result: string
  /** Epoch ms at which the completed record stops being live (end of the retention window). */
  expiresAt: number
}

/** Input of {@link IdempotencyStore.release}. */
export interface ReleaseInput {
  /** The storage key. */
  key: string
  /** The token the caller acquired the record with. */
  token: string
}

/** Input of {@link IdempotencyStore.extend}. */
export interface ExtendInput {
  /** The storage key. */
  key: string
  /** The token the caller acquired the record with. */
  token: string
  /** The new epoch-ms lease deadline. */
  lockedUntil: number
}

/**
 * Where idempotency records live. See the module documentation above for the full contract.
 */
export interface IdempotencyStore {
  /** Short name used in error messages and logs, e.g. `'redis'`. */
  readonly name: string

  /**
   * Largest serialised result (UTF-8 bytes) this store can keep, if it has a limit. The core checks
   * it before calling `complete`.
   */
  readonly maxResultBytes?: number

  /**
   * Atomically claim `key`, or read its live record, in ONE round trip.
   *
   * - No live record (none; `completed` with `expiresAt <= now`; `in_progress` with
   *   `lockedUntil <= now`): write `{ status: 'in_progress', fingerprint, token, lockedUntil, expiresAt }`
   *   (replacing any dead record) and return `{ acquired: true }`.
   * - Otherwise: write nothing and return `{ acquired: false, record }` with the live record.
   *
   * Under N concurrent calls for one key exactly one wins.
   */
  acquire(input: AcquireInput): Promise<AcquireResult>

  /**
   * Store `result` and mark the record `completed` with the new `expiresAt`, only if the record is
   * `in_progress` AND carries `token`. Returns whether it happened. Must store `result` byte for byte.
   */
  complete(input: CompleteInput): Promise<boolean>

  /** Delete the record only if it carries `token`. Returns whether it happened. */
  release(input: ReleaseInput): Promise<boolean>

  /**
   * Read the record for `key`, or `undefined`. The store may hide records it knows are expired;
   * the core applies liveness itself either way.
   */
  get(key: string): Promise<IdempotencyRecord | undefined>

  /**
   * Optional heartbeat: move `lockedUntil` of an `in_progress` record carrying `token`. Returns
   * whether it happened. Stores with server-side TTLs must keep the record at least until
   * `lockedUntil`.
   */
  extend?(input: ExtendInput): Promise<boolean>
}

/**
 * True when `record` is live at `now` (see the module documentation): an in-progress record whose
 * lease has not lapsed, or a completed record inside its retention window.
 */
export function isLive(record: Pick<IdempotencyRecord, 'status' | 'lockedUntil' | 'expiresAt'>, now: number): boolean {
  return record.status === 'in_progress' ? record.lockedUntil > now : record.expiresAt > now
}
