/**
 * The published conformance suite on a standalone Redis, once over RESP3 (ioredis 6's default) and
 * once over RESP2, because script and HMGET replies are shaped differently on the two protocols, and
 * once with ioredis' `enableAutoPipelining` (commands of concurrent requests batched into one write),
 * which the README recommends under concurrency.
 */
import { runStoreConformance } from '@idemkit/store-conformance'
import type { Redis } from 'ioredis'
import { redisStore, type RedisStore } from '../src/index.js'
import { connectRedis, deleteKeys, testPrefix } from './helpers/redis-server.js'

const variants = [
  { label: 'RESP3', options: { protocol: 3 } },
  { label: 'RESP2', options: { protocol: 2 } },
  { label: 'RESP3, auto-pipelining', options: { protocol: 3, enableAutoPipelining: true } },
] as const

for (const { label, options } of variants) {
  const prefix = testPrefix(`conformance-${label.replace(/\W+/g, '-')}`)
  let client: Redis | undefined

  runStoreConformance<RedisStore>({
    name: `redis (standalone, ${label})`,
    async createStore() {
      client = await connectRedis(options)
      return redisStore({ client, prefix })
    },
    async cleanup(store) {
      await deleteKeys(store.client, prefix)
      client?.disconnect()
    },
  })
}
