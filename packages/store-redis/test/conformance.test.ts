/**
 * The published conformance suite on a standalone Redis, once over RESP3 (ioredis 6's default) and
 * once over RESP2, because script and HMGET replies are shaped differently on the two protocols.
 */
import { runStoreConformance } from '@idemkit/store-conformance'
import type { Redis } from 'ioredis'
import { redisStore, type RedisStore } from '../src/index.js'
import { connectRedis, deleteKeys, testPrefix } from './helpers/redis-server.js'

for (const protocol of [3, 2] as const) {
  const prefix = testPrefix(`conformance-resp${protocol}`)
  let client: Redis | undefined

  runStoreConformance<RedisStore>({
    name: `redis (standalone, RESP${protocol})`,
    async createStore() {
      client = await connectRedis({ protocol })
      return redisStore({ client, prefix })
    },
    async cleanup(store) {
      await deleteKeys(store.client, prefix)
      client?.disconnect()
    },
  })
}
