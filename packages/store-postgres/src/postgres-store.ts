/**
 * `postgresStore({ db })`: the idempotency store on PostgreSQL through drizzle. Each operation is one
 * prepared statement (see `statements.ts` for the SQL and why the claim is atomic).
 *
 * @module
 */
import {
  ResultTooLargeError,
  type AcquireInput,
  type AcquireResult,
  type CompleteInput,
  type ExtendInput,
  type IdempotencyRecord,
  type IdempotencyStore,
  type ReleaseInput,
} from '@idemkit/core'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { prepareStatement, statementHash, type DrizzlePgDatabase, type PreparedStatement, type Row } from './executor.js'
import { bytesToResult, resultToBytes } from './result-bytes.js'
import { buildStatements, qualifiedName, type Statements } from './statements.js'
import { idempotencyKeys, type IdempotencyKeysTable } from './table.js'

/** Default largest stored result: 4 MiB of UTF-8. */
export const DEFAULT_MAX_RESULT_BYTES = 4 * 1024 * 1024

/** A `bytea` value can hold at most 1 GiB; keep well clear of the protocol's message limit too. */
const HARD_MAX_RESULT_BYTES = 512 * 1024 * 1024

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /**
   * A drizzle PostgreSQL database you built (postgres.js, node-postgres, PGlite, …). The store never
   * opens, configures or closes connections. Give the driver a `statement_timeout` (and, for
   * postgres.js, a `query_timeout`) so a dead server fails fast; see the README.
   */
  db: DrizzlePgDatabase
  /** The table, from {@link idempotencyKeysTable}. Default {@link idempotencyKeys} (`idempotency_keys`). */
  table?: IdempotencyKeysTable
  /** Largest serialised result in UTF-8 bytes. Default 4 MiB. The core refuses larger results before writing. */
  maxResultBytes?: number
}

/** Options of {@link PostgresStore.purgeExpired}. */
export interface PurgeOptions {
  /** Epoch ms: records not live at this time and past `expires_at` are deleted. Default `Date.now()`. */
  now?: number
  /** Most rows deleted by this call, so one cron run stays bounded. Default 10 000. */
  limit?: number
  /** Rows per DELETE statement (each its own short transaction, holding few locks). Default 1 000. */
  batchSize?: number
}

/** Input of the fenced completion `runInTransaction` performs on its transaction. */
export type TransactionalCompleteInput = CompleteInput

/**
 * The PostgreSQL store. Create it with {@link postgresStore}.
 *
 * Besides the {@link IdempotencyStore} contract it offers {@link PostgresStore.purgeExpired} for garbage
 * collection and {@link PostgresStore.completeIn}, the fenced completion on a caller's transaction that
 * `runInTransaction` builds on.
 */
export class PostgresStore implements IdempotencyStore {
  /** Store name used in errors and logs. */
  readonly name = 'postgres'
  /** Largest serialised result (UTF-8 bytes) this store keeps. */
  readonly maxResultBytes: number
  /** The drizzle table holding the records. */
  readonly table: IdempotencyKeysTable
  private readonly statements: Statements
  private readonly names: Record<keyof Statements, string>
  private readonly run: Record<keyof Statements, PreparedStatement>

  constructor(options: PostgresStoreOptions) {
    if (options?.db?._?.session === undefined) {
      throw new TypeError('postgresStore: `db` must be a drizzle PostgreSQL database, e.g. drizzle(postgres(url))')
    }
    this.maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES
    if (!Number.isInteger(this.maxResultBytes) || this.maxResultBytes < 1 || this.maxResultBytes > HARD_MAX_RESULT_BYTES) {
      throw new RangeError(`postgresStore: maxResultBytes must be an integer from 1 to ${HARD_MAX_RESULT_BYTES}`)
    }
    this.table = options.table ?? idempotencyKeys
    const { name, schema } = getTableConfig(this.table)
    this.statements = buildStatements(qualifiedName(name, schema))
    this.names = mapStatements(this.statements, (text, operation) => `idemkit_${operation}_${statementHash(text)}`)
    this.run = prepareAll(options.db, this.statements, this.names)
  }

  /** Claim `key` or read its live record: one statement, one round trip. */
  async acquire(input: AcquireInput): Promise<AcquireResult> {
    const rows = await this.run.acquire([input.key, input.fingerprint, input.token, input.now, input.lockedUntil, input.expiresAt])
    const row = rows[0]
    if (row === undefined || rows.length !== 1) {
      throw new Error(`postgres store: acquire returned ${rows.length} rows instead of 1`)
    }
    const record = toRecord(row)
    return record.token === input.token ? { acquired: true } : { acquired: false, record }
  }

  /** Store the result, fenced by token and status. */
  async complete(input: CompleteInput): Promise<boolean> {
    return (await this.run.complete(this.completeValues(input))).length > 0
  }

  /**
   * The fenced completion of {@link PostgresStore.complete}, run on `db` instead of the store's own
   * database: pass a drizzle transaction (`tx`) so the result commits, or rolls back, together with the
   * business writes made on it. `runInTransaction` calls this for you.
   */
  async completeIn(db: DrizzlePgDatabase, input: TransactionalCompleteInput): Promise<boolean> {
    const complete = prepareStatement(db, this.names.complete, this.statements.complete, 4)
    return (await complete(this.completeValues(input))).length > 0
  }

  /** Delete the in-progress record this token owns. */
  async release(input: ReleaseInput): Promise<boolean> {
    return (await this.run.release([input.key, input.token])).length > 0
  }

  /** Move the lease of the in-progress record this token owns. */
  async extend(input: ExtendInput): Promise<boolean> {
    return (await this.run.extend([input.key, input.token, input.lockedUntil])).length > 0
  }

  /** Read the record for `key` (live or not), or `undefined`. */
  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const row = (await this.run.get([key]))[0]
    return row === undefined ? undefined : toRecord(row)
  }

  /**
   * Delete records that are past `expires_at` and not live at `now`, at most `limit` of them, in
   * batches of `batchSize` rows (each batch one short statement, skipping rows another transaction
   * holds). Returns how many rows were deleted. Safe to run concurrently and from several processes.
   * Correctness never depends on it: a dead record is replaced by the next claim anyway; purging
   * only keeps the table small.
   *
   * @example
   * ```ts
   * // every few minutes, from a cron job or a scheduler
   * const deleted = await store.purgeExpired({ limit: 50_000 })
   * ```
   */
  async purgeExpired(options: PurgeOptions = {}): Promise<number> {
    const now = options.now ?? Date.now()
    const limit = options.limit ?? 10_000
    const batchSize = options.batchSize ?? 1_000
    if (!Number.isSafeInteger(now)) throw new RangeError('purgeExpired: `now` must be epoch milliseconds')
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('purgeExpired: `limit` must be a positive integer')
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2 ** 31 - 1) {
      throw new RangeError('purgeExpired: `batchSize` must be a positive 32-bit integer')
    }
    let deleted = 0
    while (deleted < limit) {
      const batch = Math.min(batchSize, limit - deleted)
      const row = (await this.run.purge([now, batch]))[0]
      const count = Number(row?.deleted ?? 0)
      deleted += count
      if (count < batch) break
    }
    return deleted
  }

  private completeValues(input: CompleteInput): unknown[] {
    const bytes = resultToBytes(input.result)
    // The core checks too; this guards direct callers, before anything is sent.
    if (bytes.length > this.maxResultBytes) throw new ResultTooLargeError(bytes.length, this.maxResultBytes)
    return [input.key, input.token, bytes, input.expiresAt]
  }
}

/**
 * Create the PostgreSQL idempotency store.
 *
 * @example
 * ```ts
 * import postgres from 'postgres'
 * import { drizzle } from 'drizzle-orm/postgres-js'
 * import { createIdempotency } from '@idemkit/core'
 * import { postgresStore } from '@idemkit/store-postgres'
 *
 * const db = drizzle(postgres(process.env.DATABASE_URL!, { connection: { statement_timeout: 5_000 } }))
 * const engine = createIdempotency({ store: postgresStore({ db }) })
 * const charge = await engine.run(idempotencyKey, body, () => payments.charge(body))
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options)
}

const PARAMETER_COUNTS: Record<keyof Statements, number> = { acquire: 6, complete: 4, release: 2, extend: 3, get: 1, purge: 2 }

function mapStatements<T>(statements: Statements, map: (text: string, operation: keyof Statements) => T): Record<keyof Statements, T> {
  const operations = Object.keys(PARAMETER_COUNTS) as (keyof Statements)[]
  return Object.fromEntries(operations.map((operation) => [operation, map(statements[operation], operation)])) as Record<keyof Statements, T>
}

function prepareAll(db: DrizzlePgDatabase, statements: Statements, names: Record<keyof Statements, string>): Record<keyof Statements, PreparedStatement> {
  return mapStatements(statements, (text, operation) => prepareStatement(db, names[operation], text, PARAMETER_COUNTS[operation]))
}

/**
 * A row as a record. `bigint` columns arrive as strings (postgres.js, node-postgres) or numbers
 * (PGlite): epoch milliseconds stay far below 2^53, so `Number` is exact.
 */
function toRecord(row: Row): IdempotencyRecord {
  const record: IdempotencyRecord = {
    key: String(row.key),
    status: row.status === 'completed' ? 'completed' : 'in_progress',
    fingerprint: String(row.fingerprint),
    token: String(row.token),
    lockedUntil: Number(row.locked_until),
    expiresAt: Number(row.expires_at),
  }
  if (record.status === 'completed') record.result = row.result === null || row.result === undefined ? '' : bytesToResult(row.result)
  return record
}
