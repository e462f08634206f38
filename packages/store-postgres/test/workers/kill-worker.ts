/**
 * Starts a transactional run, makes the business insert, reports it, then stalls before COMMIT so
 * the test can SIGKILL this process between the business write and the commit.
 *
 * argv: databaseUrl table businessTable key
 */
import { createIdempotency } from '@idemkit/core'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { idempotencyKeysTable, postgresStore, runInTransaction } from '../../src/index.js'

const [databaseUrl, tableName, businessTable, key] = process.argv.slice(2)
if (key === undefined) throw new Error('usage: kill-worker url table businessTable key')

const sql = postgres(databaseUrl!, { max: 2, onnotice: () => {} })
const db = drizzle(sql)
// A short lease so the retry after the crash does not wait long for it to lapse.
const engine = createIdempotency({ store: postgresStore({ db, table: idempotencyKeysTable({ name: tableName! }) }), lease: '1s' })

await runInTransaction(engine, db, key, { order: 42 }, async (tx) => {
  await tx.execute(`insert into "${businessTable}" (key, writer) values ('${key}', 'killed-worker')`)
  process.stdout.write('inserted\n')
  await new Promise(() => {}) // never commits: the parent kills us here
  return 'unreachable'
})
