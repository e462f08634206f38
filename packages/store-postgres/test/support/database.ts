/**
 * The real PostgreSQL server the tests use, and per-file tables so test files can run in parallel.
 */
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import postgres, { type Options, type Sql } from 'postgres'
import { createIdempotencyTable, idempotencyKeysTable, type IdempotencyKeysTable } from '../../src/index.js'

/** Where the tests find PostgreSQL. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const START_HINT =
  'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(or point DATABASE_URL at a reachable server, e.g. postgres://postgres@127.0.0.1:5432/test).'

/** Fail (never skip) with a message naming DATABASE_URL and the start command when no server answers. */
export async function assertServerReachable(): Promise<void> {
  const probe = postgres(DATABASE_URL, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await probe`select 1`
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at DATABASE_URL=${redact(DATABASE_URL)} (${(error as Error).message}). ${START_HINT}`,
      { cause: error },
    )
  } finally {
    await probe.end({ timeout: 1 })
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

/** A postgres.js client for tests (notices silenced: `IF NOT EXISTS` emits them). */
export function client(options: Options<Record<string, postgres.PostgresType>> = {}, url = DATABASE_URL): Sql {
  return postgres(url, { max: 10, onnotice: () => {}, ...options })
}

/** A table name unique to one test file and run, so files never collide and runs never see old rows. */
export function uniqueTableName(file: string): string {
  return `idemkit_test_${file}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.slice(0, 48)
}

/** A fresh table for one test file, created on `db`, and a function that drops it. */
export async function freshTable(
  db: PostgresJsDatabase,
  sql: Sql,
  file: string,
): Promise<{ table: IdempotencyKeysTable; name: string; drop: () => Promise<void> }> {
  const name = uniqueTableName(file)
  const table = idempotencyKeysTable({ name })
  await createIdempotencyTable(db, table)
  return { table, name, drop: async () => void (await sql.unsafe(`drop table if exists "${name}"`)) }
}

export { drizzle }
