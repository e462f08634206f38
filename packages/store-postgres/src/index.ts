/**
 * `@idemkit/store-postgres`: the idempotency store on PostgreSQL, through drizzle-orm (postgres.js,
 * node-postgres, PGlite, …).
 *
 * - {@link postgresStore}: the store; one prepared statement per operation, a one-statement claim.
 * - {@link runInTransaction}: business writes and the stored result commit in ONE transaction.
 * - {@link idempotencyKeys} / {@link idempotencyKeysTable}: the drizzle table for your schema
 *   (`drizzle-kit generate`), {@link idempotencyTableSql} and the shipped
 *   `migrations/0000_idempotency_keys.sql` for other migration tools, and
 *   {@link createIdempotencyTable} for development and tests.
 * - `store.purgeExpired()`: garbage collection in bounded batches, for cron or pg_cron.
 *
 * @packageDocumentation
 */
export { createIdempotencyTable, idempotencyTableSql, type DrizzleDdlDatabase } from './create-table.js'
export type { DrizzlePgDatabase } from './executor.js'
export {
  DEFAULT_MAX_RESULT_BYTES,
  postgresStore,
  PostgresStore,
  type PostgresStoreOptions,
  type PurgeOptions,
  type TransactionalCompleteInput,
} from './postgres-store.js'
export {
  DEFAULT_TABLE_NAME,
  idempotencyKeys,
  idempotencyKeysTable,
  type IdempotencyKeysTable,
  type IdempotencyTableOptions,
} from './table.js'
export {
  runInTransaction,
  type TransactionalDatabase,
  type TransactionalRunOptions,
  type TransactionConfigOf,
  type TransactionContext,
  type TransactionOf,
} from './transaction.js'
