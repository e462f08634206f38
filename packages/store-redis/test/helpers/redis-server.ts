/**
 * The real Redis the tests run against: `REDIS_URL`, or 127.0.0.1:6379. A missing server FAILS the
 * suite with the command that starts one; nothing is skipped silently.
 */
import { randomUUID } from 'node:crypto'
import { Redis, type Cluster, type RedisOptions } from 'ioredis'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

export const START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'

/** Connect to the test Redis, or throw an error that says how to get one. */
export async function connectRedis(options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 10_000,
    maxRetriesPerRequest: 1,
    ...options,
  })
  try {
    await client.connect()
    await client.ping()
  } catch (cause) {
    client.disconnect()
    throw new Error(
      `store-redis tests need a Redis server at ${REDIS_URL} (set REDIS_URL to use another one). Start one with:\n  ${START_REDIS}`,
      { cause },
    )
  }
  return client
}

/** A prefix unique to one test file and run, so runs never see each other's keys. */
export function testPrefix(file: string): string {
  return `idemkit-test:${file}:${randomUUID()}:`
}

/** Delete every key starting with `prefix` (SCAN, not KEYS: KEYS blocks the server), on every master of a cluster. */
export async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<number> {
  const nodes = 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client as Redis]
  let deleted = 0
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1_000)
      cursor = next
      for (const key of keys) deleted += await node.unlink(key)
    } while (cursor !== '0')
  }
  return deleted
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`)
}
