/**
 * The store works with drizzle's node-postgres driver too: the whole conformance suite against the
 * real server, with named prepared statements through `pg`.
 */
import { runStoreConformance } from '@idemkit/store-conformance'
import { drizzle as nodePostgres } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { createIdempotencyTable, idempotencyKeysTable, postgresStore } from '../src/index.js'
import { assertServerReachable, DATABASE_URL, uniqueTableName } from './support/database.js'

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 })
const nodePgName = uniqueTableName('node_pg')
const nodePgTable = idempotencyKeysTable({ name: nodePgName })

runStoreConformance({
  name: 'postgres (node-postgres)',
  async createStore() {
    await assertServerReachable()
    const db = nodePostgres(pool)
    await createIdempotencyTable(db, nodePgTable)
    return postgresStore({ db, table: nodePgTable })
  },
  async cleanup() {
    await pool.query(`drop table if exists "${nodePgName}"`)
    await pool.end()
  },
})
