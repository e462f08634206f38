/**
 * The drizzle definition of the idempotency table. Add it to your drizzle schema so
 * `drizzle-kit generate` creates it with your other migrations, or use the shipped SQL migration
 * (`migrations/0000_idempotency_keys.sql` in this package) or `createIdempotencyTable(db)`.
 *
 * ## Column choices
 * - `locked_until` and `expires_at` are `bigint` **epoch milliseconds**, not `timestamptz`: the core
 *   owns time and hands the store absolute epoch-ms deadlines, so the store only compares numbers.
 *   Storing them as they come means no time-zone or precision conversion can shift a deadline
 *   (`timestamptz` keeps microseconds, JavaScript dates milliseconds, and each driver parses them
 *   its own way), and liveness in the claim statement is a plain integer comparison. To read them
 *   in SQL: `to_timestamp(expires_at / 1000.0)`.
 * - `result` is `bytea` holding the UTF-8 bytes of the serialised result, not `text`: PostgreSQL
 *   `text` cannot hold the NUL character (U+0000), and a stored result must come back byte for byte
 *   whatever it contains (an HTTP body replayed by the adapters can hold anything). UTF-8 bytes are
 *   lossless for every well-formed string and cost nothing extra on the wire; base64 in `text` would
 *   cost a third more bytes plus encoding work on both sides.
 * - `status` is `text` with a CHECK constraint rather than an enum type, so the migration is one
 *   `CREATE TABLE` and never needs `ALTER TYPE`.
 *
 * @module
 */
import { sql } from 'drizzle-orm'
import { bigint, check, customType, index, pgSchema, pgTable, text, type PgTableFn } from 'drizzle-orm/pg-core'

/** Default table name. */
export const DEFAULT_TABLE_NAME = 'idempotency_keys'

/** `bytea` read and written as raw bytes (drizzle 0.45 has no built-in `bytea` column). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType() {
    return 'bytea'
  },
})

function columns() {
  return {
    /** The storage key (the user's key, scoped by the core). */
    key: text('key').primaryKey(),
    /** `'in_progress'` or `'completed'`. */
    status: text('status', { enum: ['in_progress', 'completed'] }).notNull(),
    /** Fingerprint of the request that created the record. */
    fingerprint: text('fingerprint').notNull(),
    /** Owner token (fencing token) of the execution that created the record. */
    token: text('token').notNull(),
    /** Epoch ms at which the in-progress lease lapses. */
    lockedUntil: bigint('locked_until', { mode: 'number' }).notNull(),
    /** Epoch ms at which the record stops being live; `purgeExpired` deletes by it. */
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    /** UTF-8 bytes of the serialised result; NULL while in progress. */
    result: bytea('result'),
  }
}

function defineTable(name: string, schema: string | undefined) {
  const create: PgTableFn<string | undefined> = schema === undefined ? pgTable : pgSchema(schema).table
  return create(name, columns(), (table) => [
    // Makes `purgeExpired` an index range scan instead of a full table scan.
    index(`${name}_expires_at_idx`).on(table.expiresAt),
    check(`${name}_status_check`, sql`${table.status} in ('in_progress', 'completed')`),
  ])
}

/** The drizzle table type every idemkit PostgreSQL table has (whatever its name and schema). */
export type IdempotencyKeysTable = ReturnType<typeof defineTable>

/** Where to put the table. */
export interface IdempotencyTableOptions {
  /** Table name. Default `'idempotency_keys'`. */
  name?: string
  /** PostgreSQL schema. Default: none (the connection's `search_path`, usually `public`). */
  schema?: string
}

/**
 * Define the idempotency table under a custom name and/or schema. Pass the result to
 * `postgresStore({ db, table })` and export it from your drizzle schema file.
 *
 * @example
 * ```ts
 * // db/schema.ts
 * import { idempotencyKeysTable } from '@idemkit/store-postgres'
 * export const idempotency = idempotencyKeysTable({ name: 'idempotency', schema: 'billing' })
 * ```
 */
export function idempotencyKeysTable(options: IdempotencyTableOptions = {}): IdempotencyKeysTable {
  const name = options.name ?? DEFAULT_TABLE_NAME
  if (name.length === 0 || options.schema === '') throw new TypeError('idempotencyKeysTable: name and schema must be non-empty')
  // PostgreSQL silently truncates identifiers to 63 bytes: two tables with long names would then get
  // the same index name. The longest derived name is the index's (`<name>_expires_at_idx`).
  if (new TextEncoder().encode(`${name}_expires_at_idx`).length > 63) {
    throw new RangeError(`idempotencyKeysTable: table name "${name}" is too long (at most 48 bytes, so its index name fits in 63)`)
  }
  return defineTable(name, options.schema)
}

/**
 * The default idempotency table, `idempotency_keys` in the connection's default schema. Export it
 * from your drizzle schema so `drizzle-kit generate` picks it up.
 *
 * @example
 * ```ts
 * // db/schema.ts
 * export { idempotencyKeys } from '@idemkit/store-postgres'
 * ```
 */
export const idempotencyKeys: IdempotencyKeysTable = idempotencyKeysTable()
