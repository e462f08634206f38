/**
 * The idemkit engine a server protects its routes with, on the store its command line names, plus the
 * cleanup that removes what the store wrote (Redis keys under the run's prefix, the run's table).
 *
 * @module
 */
import { createIdempotency, MemoryStore, type IdempotencyEngine } from '@idemkit/core'
import { createIdempotencyTable, idempotencyKeysTable, postgresStore } from '@idemkit/store-postgres'
import { redisStore } from '@idemkit/store-redis'
import { drizzle } from 'drizzle-orm/node-postgres'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { Redis } from 'ioredis'
import pg from 'pg'
import { counters, type ServerSettings } from './runtime.js'

/**
 * A run writes a few hundred thousand new keys; the MemoryStore's default bound (100 000) would evict
 * the replay keys seeded before the measurement and turn replays into executions.
 */
const MEMORY_MAX_ENTRIES = 2_000_000

/** Size of the node-postgres pool: half the load generator's 20 connections, a common production ratio. */
const PG_POOL_SIZE = 10

export async function idemkitEngine(settings: ServerSettings): Promise<{ engine: IdempotencyEngine; cleanup: () => Promise<void> }> {
  const localCache = settings.localCache ? { localCache: { maxEntries: 100_000 } } : {}
  switch (settings.store) {
    case 'memory':
      return { engine: createIdempotency({ store: new MemoryStore({ maxEntries: MEMORY_MAX_ENTRIES }), ...localCache }), cleanup: async () => {} }
    case 'redis': {
      // Auto-pipelining as the store-redis README recommends under concurrency (node-redis, which a
      // peer uses, pipelines this way by default): new keys cost ~15 % less CPU with it here.
      const client = new Redis(settings.redisUrl, { connectionName: settings.clientName, lazyConnect: true, enableAutoPipelining: true })
      await client.connect()
      const store = redisStore({ client, prefix: `${settings.namespace}:idemkit:` })
      return {
        engine: createIdempotency({ store, ...localCache }),
        cleanup: async () => {
          await deleteKeys(client, `${settings.namespace}:*`)
          await client.quit()
        },
      }
    }
    case 'postgres': {
      countPgStatements()
      const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: PG_POOL_SIZE, application_name: settings.clientName })
      const db = drizzle(pool)
      const table = idempotencyKeysTable({ name: `${settings.namespace.replace(/[^a-z0-9_]/gi, '_')}_keys` })
      await createIdempotencyTable(db, table)
      counters.statements = 0
      return {
        engine: createIdempotency({ store: postgresStore({ db, table }), ...localCache }),
        cleanup: async () => {
          const { name } = getTableConfig(table)
          await pool.query(`DROP TABLE IF EXISTS "${name}"`)
          await pool.end()
        },
      }
    }
  }
}

/**
 * Count every statement node-postgres sends (pool queries go through `Client#query` too). The issue
 * asks for `pg_stat_statements`, but it needs `shared_preload_libraries` and a server restart, which
 * would break every other test run on this shared server; one `Client#query` is one round trip.
 */
export function countPgStatements(): void {
  const original = pg.Client.prototype.query
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    counters.statements++
    return (original as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof original
}

/** Delete every key matching `pattern` with SCAN + UNLINK (KEYS would stall a server other tests share). */
export async function deleteKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await client.unlink(...keys)
  } while (cursor !== '0')
  return deleted
}
