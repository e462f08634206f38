/**
 * Build the store under test from a worker's config, with clients configured the way our store
 * READMEs recommend for production: bounded command/statement timeouts, so a dead server surfaces as
 * `store_unavailable` instead of a hanging request.
 *
 * @module
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { MemoryStore, type IdempotencyStore } from '@idemkit/core'
import { dynamodbStore } from '@idemkit/store-dynamodb'
import { idempotencyKeysTable, postgresStore } from '@idemkit/store-postgres'
import { redisStore } from '@idemkit/store-redis'
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import { Cluster, Redis } from 'ioredis'
import postgres from 'postgres'
import type { StoreConfig } from './config.js'

/** The store, its PostgreSQL database when it has one (for transactional routes), and a closer. */
export interface BuiltStore {
  store: IdempotencyStore
  db?: PostgresJsDatabase
  close(): Promise<void>
}

/** Create the store (and its client) described by `config`. */
export function buildStore(config: StoreConfig, storeTimeoutMs: number, postgresPool = 5): BuiltStore {
  switch (config.kind) {
    case 'postgres': {
      const client = postgres(config.url, {
        max: postgresPool,
        connect_timeout: Math.max(1, Math.ceil(storeTimeoutMs / 1000)),
        onnotice: () => {},
        connection: { statement_timeout: storeTimeoutMs },
        // postgres.js' default reconnect backoff grows as 3^n/100 s (up to 20 s) while the server is
        // down, so a pool could stay dead for seconds after the server is back; cap it at 0.5 s.
        backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 0.5),
      })
      const db = drizzle(client)
      const table = idempotencyKeysTable({ schema: config.schema })
      return { store: postgresStore({ db, table }), db, close: () => client.end({ timeout: 1 }) }
    }
    case 'redis': {
      const client = new Redis(config.url, { commandTimeout: storeTimeoutMs, maxRetriesPerRequest: 1, connectTimeout: storeTimeoutMs })
      client.on('error', () => {}) // reconnects are expected under faults; the engine reports failures
      return { store: redisStore({ client, prefix: config.prefix }), close: async () => client.disconnect() }
    }
    case 'redis-cluster': {
      const client = new Cluster(config.nodes, { redisOptions: { commandTimeout: storeTimeoutMs, maxRetriesPerRequest: 1 } })
      client.on('error', () => {})
      return { store: redisStore({ client, prefix: config.prefix }), close: async () => client.disconnect() }
    }
    case 'dynamodb': {
      const client = new DynamoDBClient({
        endpoint: config.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'chaos', secretAccessKey: 'chaos' },
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: storeTimeoutMs },
      })
      return { store: dynamodbStore({ client, table: config.table }), close: async () => client.destroy() }
    }
    case 'memory':
      return { store: new MemoryStore({ maxEntries: config.maxEntries }), close: async () => {} }
  }
}
