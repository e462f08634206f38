/**
 * The stores under attack, from the orchestrator's side: create a fresh namespace per use (a
 * PostgreSQL schema, a Redis key prefix, a DynamoDB table), tell workers how to reach it (optionally
 * through the fault proxy), dump every stored byte for inspection, and remove it all afterwards.
 *
 * @module
 */
import { DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { createIdempotencyTable as createDynamoTable } from '@idemkit/store-dynamodb'
import { createIdempotencyTable, idempotencyKeysTable } from '@idemkit/store-postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { Cluster, Redis } from 'ioredis'
import postgres from 'postgres'
import { FaultProxy } from './fault-proxy.js'
import { DATABASE_URL, hostPort, REDIS_URL, type Dynalite, type RedisCluster } from './servers.js'
import type { LedgerConfig, StoreConfig } from './worker/config.js'

/** The stores the suite knows. */
export type StoreKind = 'postgres' | 'redis' | 'redis-cluster' | 'dynamodb'

/** Display names used in the report. */
export const STORE_LABEL: Record<StoreKind, string> = {
  postgres: 'Postgres',
  redis: 'Redis',
  'redis-cluster': 'Redis Cluster',
  dynamodb: 'dynalite',
}

/** Shared servers a run started itself. */
export interface Servers {
  cluster?: RedisCluster
  dynalite?: Dynalite
}

/** One namespaced store instance. */
export interface StoreTarget {
  kind: StoreKind
  /** The fault proxy in front of it, when asked for. */
  proxy: FaultProxy | undefined
  /** What workers get. */
  config: StoreConfig
  /** Every stored byte, as text (binary values as latin1 and UTF-8), one entry per record. */
  dump(): Promise<string[]>
  /** Drop the namespace and stop the proxy. */
  close(): Promise<void>
}

let sequence = 0
const runTag = `${Date.now().toString(36)}${process.pid.toString(36)}`

/** A unique lower-case name for this run's namespaces: `chaos_<run>_<n>`. */
export function uniqueName(): string {
  return `chaos_${runTag}_${++sequence}`
}

function bytesAsText(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buffer = Buffer.from(value)
    return `${buffer.toString('latin1')}\n${buffer.toString('utf8')}`
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value as Record<string, unknown>).map(bytesAsText).join('\n')
  }
  return String(value)
}

/** Open a fresh namespace on `kind`, optionally behind a new fault proxy (not for Redis Cluster). */
export async function openTarget(kind: StoreKind, servers: Servers, options: { proxied?: boolean } = {}): Promise<StoreTarget> {
  const name = uniqueName()
  const proxyTo = async (url: string, defaultPort: number) => {
    if (options.proxied !== true) return { proxy: undefined, url }
    const { host, port } = hostPort(url, defaultPort)
    const proxy = await new FaultProxy(host, port).start()
    const proxied = new URL(url)
    proxied.hostname = '127.0.0.1'
    proxied.port = String(proxy.port)
    return { proxy, url: proxied.toString() }
  }
  switch (kind) {
    case 'postgres': {
      const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {} })
      await sql.unsafe(`create schema if not exists "${name}"`)
      const table = idempotencyKeysTable({ schema: name })
      await createIdempotencyTable(drizzle(sql), table)
      const { proxy, url } = await proxyTo(DATABASE_URL, 5432)
      return {
        kind,
        proxy,
        config: { kind, url, schema: name },
        async dump() {
          const rows = await sql.unsafe(`select * from "${name}"."idempotency_keys"`)
          return rows.map(bytesAsText)
        },
        async close() {
          await proxy?.stop()
          await sql.unsafe(`drop schema if exists "${name}" cascade`)
          await sql.end({ timeout: 1 })
        },
      }
    }
    case 'redis': {
      const prefix = `${name}:`
      const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 })
      const { proxy, url } = await proxyTo(REDIS_URL, 6379)
      return {
        kind,
        proxy,
        config: { kind, url, prefix },
        dump: () => dumpRedis([client], prefix),
        async close() {
          await proxy?.stop()
          await deleteRedis([client], prefix)
          client.disconnect()
        },
      }
    }
    case 'redis-cluster': {
      const cluster = servers.cluster
      if (cluster === undefined) throw new Error('chaos: the Redis Cluster was not started')
      const prefix = `${name}:`
      const client = new Cluster(cluster.nodes)
      const masters = () => client.nodes('master') as Redis[]
      return {
        kind,
        proxy: undefined,
        config: { kind, nodes: cluster.nodes, prefix },
        dump: () => dumpRedis(masters(), prefix),
        async close() {
          await deleteRedis(masters(), prefix)
          client.disconnect()
        },
      }
    }
    case 'dynamodb': {
      const dynalite = servers.dynalite
      if (dynalite === undefined) throw new Error('chaos: dynalite was not started')
      const { proxy, url } = await proxyTo(dynalite.endpoint, 80)
      const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'chaos', secretAccessKey: 'chaos' } })
      await createDynamoTable(client, name, { maxWaitSeconds: 30 })
      return {
        kind,
        proxy,
        config: { kind, endpoint: url.replace(/\/$/, ''), table: name },
        async dump() {
          const items: string[] = []
          let start: Record<string, never> | undefined
          do {
            const page = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }))
            for (const item of page.Items ?? []) items.push(bytesAsText(JSON.parse(JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)))))
            start = page.LastEvaluatedKey as Record<string, never> | undefined
          } while (start !== undefined)
          return items
        },
        async close() {
          await proxy?.stop()
          await client.send(new DeleteTableCommand({ TableName: name })).catch(() => {})
          client.destroy()
        },
      }
    }
  }
}

async function redisKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  return found
}

async function dumpRedis(clients: Redis[], prefix: string): Promise<string[]> {
  const records: string[] = []
  for (const client of clients) {
    for (const key of await redisKeys(client, prefix)) {
      const hash = await client.hgetallBuffer(key)
      records.push(`${key}\n${bytesAsText(hash)}\n${Object.keys(hash).join('\n')}`)
    }
  }
  return records
}

async function deleteRedis(clients: Redis[], prefix: string): Promise<void> {
  for (const client of clients) {
    // One key per DEL: on a cluster node, keys of several slots in one DEL would be refused.
    for (const key of await redisKeys(client, prefix)) await client.del(key)
  }
}

/** A fresh ledger: a PostgreSQL table, or a Redis key prefix. */
export function ledgerConfig(kind: 'postgres' | 'redis'): LedgerConfig {
  const name = uniqueName()
  return kind === 'postgres' ? { kind, url: DATABASE_URL, table: name } : { kind, url: REDIS_URL, prefix: `${name}:op:` }
}

/** The ledger that suits a store: Redis for the Redis-only runs, PostgreSQL otherwise. */
export function ledgerFor(kind: StoreKind): LedgerConfig {
  return ledgerConfig(kind === 'redis' || kind === 'redis-cluster' ? 'redis' : 'postgres')
}

