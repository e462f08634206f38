/**
 * What the conformance suite cannot see from outside: the Redis key layout, the server-side expiry
 * used for garbage collection, reply handling with `stringNumbers`, and option validation.
 */
import { createIdempotency } from '@idemkit/core'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEFAULT_PREFIX, redisStore } from '../src/index.js'
import { connectRedis, deleteKeys, testPrefix } from './helpers/redis-server.js'

const MINUTE = 60_000
const prefix = testPrefix('store')
let client: Redis

beforeAll(async () => {
  client = await connectRedis()
})

afterAll(async () => {
  await deleteKeys(client, prefix)
  client.disconnect()
})

describe('layout', () => {
  test('one hash per record at <prefix>{<escaped key>}, with exact field values', async () => {
    const store = redisStore({ client, prefix })
    const key = ':tenant}a%7D{x}'
    const t0 = Date.now()
    await store.acquire({ key, fingerprint: 'fp', token: 'tok', now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
    const redisKey = `${prefix}{:tenant%7Da%257D{x%7D}`
    expect(store.keyOf(key)).toBe(redisKey)
    expect(await client.type(redisKey)).toBe('hash')
    expect(await client.hgetall(redisKey)).toEqual({
      status: 'in_progress',
      fingerprint: 'fp',
      token: 'tok',
      lockedUntil: String(t0 + MINUTE),
      expiresAt: String(t0 + 10 * MINUTE),
    })
    // The literal escape text is another record: the encoding is injective.
    const lookalike = ':tenant%7Da%257D{x%7D'
    expect(store.keyOf(lookalike)).not.toBe(redisKey)
    expect(await store.get(lookalike)).toBeUndefined()
  })

  test('the default prefix is idemkit:, and a prefix with braces is refused', () => {
    expect(redisStore({ client }).keyOf(':k')).toBe(`${DEFAULT_PREFIX}{:k}`)
    expect(DEFAULT_PREFIX).toBe('idemkit:')
    expect(() => redisStore({ client, prefix: 'app:{shard}:' })).toThrow(TypeError)
    expect(() => redisStore({ client: {} as Redis })).toThrow(/ioredis/)
    expect(() => redisStore({ client, maxResultBytes: 0 })).toThrow(RangeError)
  })
})

describe('server-side expiry (garbage collection only)', () => {
  test('acquire and complete set PEXPIREAT to the record expiresAt', async () => {
    const store = redisStore({ client, prefix })
    const t0 = Date.now()
    await store.acquire({ key: ':gc', fingerprint: 'fp', token: 'tok', now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE + 0.5 })
    expect(await client.pexpiretime(store.keyOf(':gc'))).toBe(Math.ceil(t0 + 10 * MINUTE + 0.5))
    await store.complete({ key: ':gc', token: 'tok', result: 'r', expiresAt: t0 + 30 * MINUTE })
    expect(await client.pexpiretime(store.keyOf(':gc'))).toBe(t0 + 30 * MINUTE)
  })

  test('extend past expiresAt moves expiresAt and the expiry with the lease; a shorter extend keeps them', async () => {
    const store = redisStore({ client, prefix })
    const t0 = Date.now()
    await store.acquire({ key: ':hb', fingerprint: 'fp', token: 'tok', now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 2 * MINUTE })
    expect(await store.extend({ key: ':hb', token: 'tok', lockedUntil: t0 + 90_000 })).toBe(true)
    expect(await client.pexpiretime(store.keyOf(':hb'))).toBe(t0 + 2 * MINUTE)
    expect(await store.get(':hb')).toMatchObject({ lockedUntil: t0 + 90_000, expiresAt: t0 + 2 * MINUTE })
    expect(await store.extend({ key: ':hb', token: 'tok', lockedUntil: t0 + 5 * MINUTE })).toBe(true)
    expect(await client.pexpiretime(store.keyOf(':hb'))).toBe(t0 + 5 * MINUTE)
    expect(await store.get(':hb')).toMatchObject({ lockedUntil: t0 + 5 * MINUTE, expiresAt: t0 + 5 * MINUTE })
  })

  test('a record Redis already collected is simply absent: the next acquire claims it', async () => {
    const store = redisStore({ client, prefix })
    const t0 = Date.now()
    await store.acquire({ key: ':gone', fingerprint: 'fp', token: 'old', now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + MINUTE })
    await client.pexpire(store.keyOf(':gone'), 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.get(':gone')).toBeUndefined()
    expect(await store.complete({ key: ':gone', token: 'old', result: 'late', expiresAt: t0 + MINUTE })).toBe(false)
    expect(await store.acquire({ key: ':gone', fingerprint: 'fp', token: 'new', now: t0 + 1, lockedUntil: t0 + MINUTE, expiresAt: t0 + MINUTE })).toEqual({ acquired: true })
  })
})

describe('reply shapes', () => {
  test('a client with stringNumbers (integers as strings) works end to end', async () => {
    const stringy = await connectRedis({ stringNumbers: true })
    try {
      const engine = createIdempotency({ store: redisStore({ client: stringy, prefix }) })
      expect(await engine.runDetailed('sn', 1, () => ({ ok: 1 }))).toEqual({ value: { ok: 1 }, replayed: false })
      expect(await engine.runDetailed('sn', 1, () => ({ ok: 2 }))).toEqual({ value: { ok: 1 }, replayed: true })
    } finally {
      stringy.disconnect()
    }
  })

  test('a foreign value under a record key fails loudly instead of being read as a record', async () => {
    const store = redisStore({ client, prefix })
    await client.hset(store.keyOf(':foreign'), 'status', 'weird', 'fingerprint', 'f', 'token', 't', 'lockedUntil', '1', 'expiresAt', '1')
    await expect(store.get(':foreign')).rejects.toThrow(/unknown status/)
    await client.set(store.keyOf(':string'), 'not a hash')
    await expect(store.acquire({ key: ':string', fingerprint: 'f', token: 't', now: 1, lockedUntil: 2, expiresAt: 3 })).rejects.toThrow(/WRONGTYPE/)
  })
})

describe('client options', () => {
  test("ioredis' keyPrefix is applied in front of the store's prefix, to scripts and reads alike", async () => {
    const prefixed = await connectRedis({ keyPrefix: `${prefix}app:` })
    try {
      const store = redisStore({ client: prefixed, prefix: 'idem:' })
      const engine = createIdempotency({ store })
      expect(await engine.run('kp', 1, () => 'first')).toBe('first')
      expect(await engine.run('kp', 1, () => 'second')).toBe('first')
      expect(await client.hget(`${prefix}app:idem:{:kp}`, 'status')).toBe('completed')
      expect(await store.get(':kp')).toMatchObject({ status: 'completed' })
    } finally {
      prefixed.disconnect()
    }
  })
})
