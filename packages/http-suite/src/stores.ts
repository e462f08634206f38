/**
 * The stores the suite runs on: MemoryStore, and Redis through `@idemkit/store-redis` (a real
 * server; a missing one FAILS the run with the command that starts it), plus stores that are down.
 */
import { MemoryStore, type IdempotencyStore } from '@idemkit/core'
import { redisStore } from '@idemkit/store-redis'
import { Redis } from 'ioredis'

/** A store factory the suite runs against. */
export interface SuiteStore {
  name: string
  /** A fresh, empty store (namespaced, so runs never see each other's keys). */
  create(): IdempotencyStore
  /** Remove everything this factory created. */
  cleanup(): Promise<void>
}

/** A fresh MemoryStore per app. */
export function memoryStores(): SuiteStore {
  return { name: 'memory', create: () => new MemoryStore(), cleanup: async () => {} }
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * Redis stores under a prefix unique to this run. Call `connect()` in `beforeAll`: it fails with a
 * clear message when no server answers.
 */
export function redisStores(label: string): SuiteStore & { connect(): Promise<void> } {
  const prefix = `idemkit-http-test:${label}:${process.pid}:${Date.now()}:`
  let client: Redis | undefined
  let count = 0
  return {
    name: 'redis',
    async connect() {
      client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2_000, enableOfflineQueue: false })
      try {
        await client.connect()
        await client.ping()
      } catch (error) {
        client.disconnect()
        throw new Error(
          `The HTTP suite needs Redis at ${REDIS_URL} (set REDIS_URL to use another). Start one with: ` +
            `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (${(error as Error).message})`,
        )
      }
    },
    create() {
      if (client === undefined) throw new Error('redisStores: call connect() first')
      return redisStore({ client, prefix: `${prefix}${++count}:` })
    },
    async cleanup() {
      if (client === undefined) return
      let cursor = '0'
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
        if (keys.length > 0) await client.del(...keys)
        cursor = next
      } while (cursor !== '0')
      client.disconnect()
    },
  }
}

/** A store whose server never answers: every call hangs (the engine's storeTimeout must bound it). */
export function hangingStore(): IdempotencyStore {
  const never = () => new Promise<never>(() => {})
  return { name: 'hanging', acquire: never, complete: never, release: never, get: never }
}

/** A store whose server refuses connections: every call rejects at once. */
export function refusingStore(): IdempotencyStore {
  const refuse = async (): Promise<never> => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' })
  }
  return { name: 'refusing', acquire: refuse, complete: refuse, release: refuse, get: refuse }
}
