/**
 * The table's DDL, for `createIdempotencyTable(db)` (dev and tests) and for hand-written migrations.
 * The shipped `migrations/0000_idempotency_keys.sql` is this DDL for the default table; a test keeps
 * the two identical.
 *
 * @module
 */
import { sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import type { DrizzlePgDatabase } from './executor.js'
import { qualifiedName, quoteIdentifier } from './statements.js'
import { idempotencyKeys, type IdempotencyKeysTable } from './table.js'

/**
 * The SQL statements that create `table` (default `idempotency_keys`) if it does not exist: the
 * schema (when the table has one), the table, and the index `purgeExpired` uses. Every statement is
 * idempotent (`IF NOT EXISTS`), so a migration tool or a startup script may run them repeatedly.
 *
 * @example
 * ```ts
 * // write a migration for a custom table
 * const ddl = idempotencyTableSql(idempotencyKeysTable({ name: 'idem', schema: 'billing' }))
 * await fs.writeFile('migrations/0007_idem.sql', ddl.join(';\n\n') + ';\n')
 * ```
 */
export function idempotencyTableSql(table: IdempotencyKeysTable = idempotencyKeys): string[] {
  const { name, schema } = getTableConfig(table)
  const qualified = qualifiedName(name, schema)
  const statements: string[] = []
  if (schema !== undefined) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
  statements.push(
    `CREATE TABLE IF NOT EXISTS ${qualified} (
  "key" text PRIMARY KEY NOT NULL,
  "status" text NOT NULL,
  "fingerprint" text NOT NULL,
  "token" text NOT NULL,
  "locked_until" bigint NOT NULL,
  "expires_at" bigint NOT NULL,
  "result" bytea,
  CONSTRAINT ${quoteIdentifier(`${name}_status_check`)} CHECK ("status" in ('in_progress', 'completed'))
)`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${name}_expires_at_idx`)} ON ${qualified} USING btree ("expires_at")`,
  )
  return statements
}

/** The part of a drizzle database `createIdempotencyTable` needs. */
export interface DrizzleDdlDatabase extends DrizzlePgDatabase {
  /** drizzle's transaction, so the DDL runs under one advisory lock. */
  transaction<T>(fn: (tx: { execute(query: ReturnType<typeof sql.raw>): PromiseLike<unknown> }) => Promise<T>): Promise<T>
}

/**
 * Create the idempotency table and its index if they do not exist. Idempotent and safe to call from
 * several processes at once (it takes a transaction-scoped advisory lock: concurrent
 * `CREATE TABLE IF NOT EXISTS` can otherwise fail with a duplicate `pg_type` entry). Meant for
 * development and tests; in production prefer a migration (drizzle-kit, or the shipped SQL file).
 *
 * @example
 * ```ts
 * import { createIdempotencyTable } from '@idemkit/store-postgres'
 * await createIdempotencyTable(db)
 * ```
 */
export async function createIdempotencyTable(db: DrizzleDdlDatabase, table: IdempotencyKeysTable = idempotencyKeys): Promise<void> {
  const statements = idempotencyTableSql(table)
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SELECT pg_advisory_xact_lock(hashtext('idemkit:create-table'))`))
    for (const statement of statements) await tx.execute(sql.raw(statement))
  })
}
