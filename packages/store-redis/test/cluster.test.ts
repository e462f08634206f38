/**
 * Redis Cluster: the conformance suite on a 3-master cluster this file starts on ports 7301–7303,
 * plus the slot placement of awkward keys and the NOSCRIPT fallback on every node.
 */
import { createIdempotency } from '@idemkit/core'
import { runStoreConformance } from '@idemkit/store-conformance'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { redisStore, type RedisStore } from '../src/index.js'
import { escapeForHashTag } from '../src/record-key.js'
import { ACQUIRE } from '../src/scripts.js'
import { CLUSTER_PORTS, startCluster, type TestCluster } from './helpers/cluster.js'
import { deleteKeys, testPrefix } from './helpers/redis-server.js'

const prefix = testPrefix('cluster')
let cluster: TestCluster | undefined
let client: Cluster | undefined

beforeAll(async () => {
  cluster = await startCluster()
  client = new Cluster(
    CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { commandTimeout: 5_000, maxRetriesPerRequest: 1 } },
  )
  await client.ping()
}, 60_000)

afterAll(async () => {
  if (client !== undefined) {
    await deleteKeys(client, prefix).catch(() => undefined)
    client.disconnect()
  }
  await cluster?.stop()
}, 30_000)

function clusterClient(): Cluster {
  if (client === undefined) throw new Error('the test cluster did not start')
  return client
}

runStoreConformance<RedisStore>({
  name: 'redis (3-master cluster)',
  createStore: () => redisStore({ client: clusterClient(), prefix }),
})

describe('redis cluster specifics', () => {
  test('records of keys sharing a brace section spread over slots (the tag covers the whole key)', async () => {
    const store = redisStore({ client: clusterClient(), prefix })
    const keys = Array.from({ length: 64 }, (_, index) => `:tenant:{order}:${index}`)
    const slots = new Set<number>()
    for (const key of keys) {
      const redisKey = store.keyOf(key)
      expect(redisKey).toBe(`${prefix}{${escapeForHashTag(key)}}`)
      slots.add(Number(await clusterClient().cluster('KEYSLOT', redisKey)))
    }
    // Hashing only "order" would put all 64 on one slot; 64 distinct keys over 16384 slots collide rarely.
    expect(slots.size).toBeGreaterThan(56)
    // A `}` inside the key does not end the tag: the slot is the slot of the whole escaped key.
    const tricky = ':a}b{c}'
    const whole = Number(await clusterClient().cluster('KEYSLOT', escapeForHashTag(tricky)))
    expect(Number(await clusterClient().cluster('KEYSLOT', store.keyOf(tricky)))).toBe(whole)
  })

  test('after SCRIPT FLUSH on every master, run() falls back to EVAL and keeps working', async () => {
    const engine = createIdempotency({ store: redisStore({ client: clusterClient(), prefix }) })
    const keys = Array.from({ length: 40 }, (_, index) => `noscript-${index}`)
    for (const key of keys) await engine.run(key, { key }, () => `first-${key}`)
    await Promise.all(clusterClient().nodes('master').map((node) => node.script('FLUSH')))
    for (const key of keys) {
      expect(await engine.run(key, { key }, () => `second-${key}`)).toBe(`first-${key}`)
      expect(await engine.run(`${key}-new`, { key }, () => `new-${key}`)).toBe(`new-${key}`)
    }
    const cached = await Promise.all(
      clusterClient().nodes('master').map(async (node) => (await node.script('EXISTS', ACQUIRE.sha1)) as number[]),
    )
    // 40 keys miss one of 3 masters with probability 3·(2/3)^40 < 1e-6: every master cached the script again.
    expect(cached.map((flags) => Number(flags[0]))).toEqual([1, 1, 1])
  })
})
