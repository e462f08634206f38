/**
 * Transactional completion: the user's business writes and the completion of the idempotency record
 * commit in ONE PostgreSQL transaction, so for side effects that live in the same database the
 * promise becomes exactly-once, not just at-most-once per lease.
 *
 * How, on the core's low-level API:
 * 1. `engine.begin()` claims the key (its own short statement, committed at once, so concurrent
 *    duplicates see the key in flight and never wait on our transaction's locks);
 * 2. `db.transaction(tx => …)` runs the user's function on `tx`, then completes the lease with a
 *    commit callback that runs the store's fenced UPDATE on the same `tx`;
 * 3. the transaction commits both, or neither. If the UPDATE finds the key owned by someone else
 *    (our lease lapsed and was taken over) it changes no row, the core raises `lease_lost`, and the
 *    business writes roll back with it.
 * 4. On any failure (the function threw, the result is too large, the lease was lost, COMMIT
 *    failed) the lease is released, fenced, so a retry executes cleanly. If the process dies before
 *    COMMIT, PostgreSQL rolls the transaction back and the lease lapses by itself.
 *
 * A release after a COMMIT whose outcome is unknown (connection lost mid-COMMIT) is safe: the store's
 * release only deletes IN-PROGRESS records, so a result that did commit is never erased.
 *
 * @module
 */
import type { IdempotencyEngine, RunOptions } from '@idemkit/core'
import type { DrizzlePgDatabase } from './executor.js'
import type { TransactionalCompleteInput } from './postgres-store.js'

/** A drizzle database that can open transactions (any drizzle PostgreSQL database). */
export interface TransactionalDatabase {
  /** drizzle's `db.transaction(fn, config?)`. */
  transaction(fn: (tx: unknown) => Promise<unknown>, config?: never): Promise<unknown>
}

/** The transaction object `db.transaction` hands its callback, for the database type `TDb`. */
export type TransactionOf<TDb extends TransactionalDatabase> = Parameters<Parameters<TDb['transaction']>[0]>[0]

/** The transaction settings `db.transaction` accepts (isolation level, access mode…), for `TDb`. */
export type TransactionConfigOf<TDb extends TransactionalDatabase> = Parameters<TDb['transaction']>[1]

/** What the function given to {@link runInTransaction} receives besides the transaction. */
export interface TransactionContext {
  /** The user's idempotency key. */
  key: string
  /** The storage key (scope + key). */
  storageKey: string
  /** Aborted when the lease is lost (a heartbeat found another owner): the transaction will roll back. */
  signal: AbortSignal
}

/** Options of {@link runInTransaction}: the per-call options of `run()`, plus the transaction's settings. */
export interface TransactionalRunOptions<TDb extends TransactionalDatabase> extends RunOptions {
  /** Passed to `db.transaction(fn, config)`, e.g. `{ isolationLevel: 'serializable' }`. */
  transaction?: TransactionConfigOf<TDb>
}

/** The store method {@link runInTransaction} needs: `PostgresStore.completeIn`. */
interface CompletesInTransaction {
  completeIn(db: DrizzlePgDatabase, input: TransactionalCompleteInput): Promise<boolean>
}

/**
 * Run `fn` at most once per key, like `engine.run()`, with its database writes and the stored result
 * committed in ONE transaction: if the transaction rolls back or the process dies before COMMIT,
 * neither the writes nor the result exist and a retry executes cleanly; once it commits, every retry
 * replays the result (also through `engine.run()` with the same key and input).
 *
 * - `engine` must use `postgresStore(...)`, and `db` must reach the same database as the store.
 * - A thrown error rolls the transaction back and releases the key (errors are never stored here:
 *   the writes they would describe were rolled back).
 * - A duplicate arriving meanwhile sees the key in flight (409, or waits, per `inFlight`); it never
 *   blocks on this transaction's locks.
 *
 * @example
 * ```ts
 * import { runInTransaction } from '@idemkit/store-postgres'
 *
 * const order = await runInTransaction(engine, db, idempotencyKey, body, async (tx) => {
 *   const [order] = await tx.insert(orders).values({ customer: body.customer, total: body.total }).returning()
 *   await tx.insert(outbox).values({ topic: 'order.created', orderId: order.id })
 *   return order
 * })
 * ```
 */
export async function runInTransaction<TDb extends TransactionalDatabase, T>(
  engine: IdempotencyEngine,
  db: TDb,
  key: string,
  input: unknown,
  fn: (tx: TransactionOf<TDb>, context: TransactionContext) => Promise<T>,
  options: TransactionalRunOptions<TDb> = {},
): Promise<T> {
  const store = engine.store as Partial<CompletesInTransaction>
  if (typeof store.completeIn !== 'function') {
    throw new TypeError('runInTransaction: the engine must use postgresStore(...) (its store has no completeIn)')
  }
  const completeIn = store.completeIn.bind(store)
  const storageKey = engine.storageKey(key, options.scope)
  const fingerprint = options.fingerprint ?? (await engine.fingerprint(input))
  const begun = await engine.begin(storageKey, fingerprint, { lease: options.lease, ttl: options.ttl })
  if (begun.kind === 'replay') return engine.decodeResult(begun.result) as T

  const { lease } = begun
  const transact = db.transaction.bind(db) as (
    fn: (tx: TransactionOf<TDb>) => Promise<T>,
    config?: TransactionConfigOf<TDb>,
  ) => Promise<T>
  try {
    return await transact(async (tx) => {
      const value = await fn(tx, { key, storageKey, signal: lease.signal })
      // Encoded inside the transaction: an unserialisable value rolls the writes back with it.
      const text = engine.encodeResult(value)
      await lease.complete(text, (completion) => completeIn(tx as unknown as DrizzlePgDatabase, completion))
      return value
    }, options.transaction)
  } catch (error) {
    try {
      await lease.release()
    } catch {
      // The caller must see the original failure; the store error went to the hooks and the lease
      // lapses by itself.
    }
    throw error
  }
}
