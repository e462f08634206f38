import { runStoreConformance } from '@idemkit/store-conformance'
import { drizzle } from 'drizzle-orm/postgres-js'
import { assertServerReachable, client, freshTable } from './support/database.js'
import { postgresStore } from '../src/index.js'

// postgres.js through drizzle, the documented default, against the real server.
const sql = client({ max: 10 })
let drop: () => Promise<void> = async () => {}

runStoreConformance({
  name: 'postgres (postgres.js)',
  async createStore() {
    await assertServerReachable()
    const db = drizzle(sql)
    const fresh = await freshTable(db, sql, 'conformance')
    drop = fresh.drop
    return postgresStore({ db, table: fresh.table })
  },
  async cleanup() {
    await drop()
    await sql.end({ timeout: 5 })
  },
})
