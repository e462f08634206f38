/**
 * `@idemkit/store-redis`: the Redis (and Valkey) store for idemkit, on ioredis, standalone or Redis
 * Cluster. One Lua script per claim, fenced completion and release, one hash key per record.
 *
 * @packageDocumentation
 */
export { redisStore, type RedisStore, type RedisStoreOptions } from './redis-store.js'
export { DEFAULT_PREFIX } from './record-key.js'
export type { RedisClient } from './run-script.js'
