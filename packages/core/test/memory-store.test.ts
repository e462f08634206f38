/**
 * MemoryStore behaviour beyond the conformance suite (which `store-conformance` runs against it):
 * the LRU bound that never evicts a running execution, lazy sweeping, and copies on the way out.
 */
import { describe, expect, test } from 'vitest'
import { MemoryStore } from '../src/memory-store.js'

const NOW = 1_700_000_000_000
const LEASE = 30_000
const TTL = 86_400_000

async function claim(store: MemoryStore, key: string, now = NOW, lease = LEASE): Promise<string> {
  const token = `token-${key}-${now}`
  const result = await store.acquire({ key, fingerprint: `fp-${key}`, token, now, lockedUntil: now + lease, expiresAt: now + lease })
  expect(result).toEqual({ acquired: true })
  return token
}

async function claimAndComplete(store: MemoryStore, key: string, now = NOW, ttl = TTL): Promise<void> {
  const token = await claim(store, key, now)
  expect(await store.complete({ key, token, result: `"${key}"`, expiresAt: now + ttl })).toBe(true)
}

async function keysPresent(store: MemoryStore, keys: string[]): Promise<string[]> {
  const present: string[] = []
  for (const key of keys) if ((await store.get(key)) !== undefined) present.push(key)
  return present
}

describe('maxEntries', () => {
  test('evicts the least recently used completed record first', async () => {
    const store = new MemoryStore({ maxEntries: 3 })
    await claimAndComplete(store, 'a')
    await claimAndComplete(store, 'b')
    await claimAndComplete(store, 'c')
    // A replay of "a" (a losing acquire) makes it recently used: "b" is now the oldest.
    const replay = await store.acquire({ key: 'a', fingerprint: 'fp-a', token: 'x', now: NOW + 1, lockedUntil: NOW + 1 + LEASE, expiresAt: NOW + 1 + LEASE })
    expect(replay.acquired).toBe(false)
    await claimAndComplete(store, 'd', NOW + 2)
    expect(store.size).toBe(3)
    expect(await keysPresent(store, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd'])
  })

  test('never evicts an in-progress record, even when it is the oldest', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    const runningToken = await claim(store, 'running')
    await claimAndComplete(store, 'done')
    await claimAndComplete(store, 'new', NOW + 1)
    expect(await keysPresent(store, ['running', 'done', 'new'])).toEqual(['running', 'new'])
    // The running execution still owns its key and can complete it.
    expect(await store.complete({ key: 'running', token: runningToken, result: '1', expiresAt: NOW + TTL })).toBe(true)
  })

  test('an in-progress record whose lease lapsed is evictable (it protects nothing any more)', async () => {
    const store = new MemoryStore({ maxEntries: 1 })
    await store.acquire({ key: 'stale', fingerprint: 'f', token: 't', now: NOW, lockedUntil: NOW + 10, expiresAt: NOW + TTL })
    await claim(store, 'next', NOW + 20)
    expect(await keysPresent(store, ['stale', 'next'])).toEqual(['next'])
  })

  test('full of in-progress records: a new claim throws a clear error and changes nothing', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    await claim(store, 'a')
    await claim(store, 'b')
    await expect(
      store.acquire({ key: 'c', fingerprint: 'f', token: 't', now: NOW + 1, lockedUntil: NOW + LEASE, expiresAt: NOW + LEASE }),
    ).rejects.toThrow(/full.*in progress.*maxEntries 2/)
    expect(store.size).toBe(2)
    expect(await keysPresent(store, ['a', 'b', 'c'])).toEqual(['a', 'b'])
    // Claims on live keys still answer: the limit only refuses NEW records.
    expect((await store.acquire({ key: 'a', fingerprint: 'fp-a', token: 'y', now: NOW + 1, lockedUntil: NOW + LEASE, expiresAt: NOW + LEASE })).acquired).toBe(false)
  })

  test('the bound holds under many keys', async () => {
    const store = new MemoryStore({ maxEntries: 50 })
    for (let index = 0; index < 500; index++) await claimAndComplete(store, `k${index}`, NOW + index)
    expect(store.size).toBe(50)
    expect(await store.get('k499')).toBeDefined()
    expect(await store.get('k0')).toBeUndefined()
  })

  test.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new MemoryStore({ maxEntries })).toThrow(RangeError)
  })
})

describe('lazy sweep', () => {
  test('expired completed records are removed by later claims, without a timer', async () => {
    const store = new MemoryStore()
    for (const key of ['e1', 'e2', 'e3']) await claimAndComplete(store, key, NOW, 1_000)
    expect(store.size).toBe(3)
    const later = NOW + 5_000
    await claim(store, 'fresh', later)
    // The expired records are gone from memory, not merely hidden.
    expect(store.size).toBe(1)
    expect(await store.get('e1')).toBeUndefined()
  })

  test('every expired record is eventually swept as claims go on', async () => {
    const store = new MemoryStore()
    for (let index = 0; index < 40; index++) await claimAndComplete(store, `old${index}`, NOW, 1_000)
    const later = NOW + 5_000
    for (let index = 0; index < 40; index++) await claimAndComplete(store, `new${index}`, later)
    expect(store.size).toBe(40)
    expect(await keysPresent(store, Array.from({ length: 40 }, (_, index) => `old${index}`))).toEqual([])
  })

  test('expired records are swept by replays alone, while replays keep reordering the map', async () => {
    const store = new MemoryStore()
    for (let index = 0; index < 50; index++) await claimAndComplete(store, `short${index}`, NOW, 1_000)
    for (let index = 0; index < 50; index++) await claimAndComplete(store, `long${index}`, NOW, TTL)
    const later = NOW + 5_000
    // Only losing claims (replays) from here on: each one moves its record to the end of the map.
    for (let round = 0; round < 10; round++) {
      for (let index = 0; index < 50; index++) {
        const replay = await store.acquire({ key: `long${index}`, fingerprint: `fp-long${index}`, token: 't', now: later, lockedUntil: later + LEASE, expiresAt: later + TTL })
        expect(replay.acquired).toBe(false)
      }
    }
    expect(store.size).toBe(50)
    expect(await keysPresent(store, Array.from({ length: 50 }, (_, index) => `short${index}`))).toEqual([])
  })

  test('live records are not swept', async () => {
    const store = new MemoryStore()
    await claimAndComplete(store, 'live', NOW, TTL)
    const running = await claim(store, 'running', NOW, LEASE)
    await claim(store, 'other', NOW + 1_000)
    expect(await keysPresent(store, ['live', 'running', 'other'])).toEqual(['live', 'running', 'other'])
    expect(await store.complete({ key: 'running', token: running, result: '1', expiresAt: NOW + TTL })).toBe(true)
  })

  test('an expired record is replaced in place by a new claim on its key', async () => {
    const store = new MemoryStore()
    await claimAndComplete(store, 'k', NOW, 1_000)
    const token = await claim(store, 'k', NOW + 1_000)
    expect(await store.get('k')).toMatchObject({ status: 'in_progress', token })
    expect(store.size).toBe(1)
  })
})

describe('records handed out are copies', () => {
  test('mutating what get returns does not change the store', async () => {
    const store = new MemoryStore()
    await claimAndComplete(store, 'k')
    const copy = await store.get('k')
    if (copy === undefined) throw new Error('record missing')
    copy.result = 'tampered'
    copy.status = 'in_progress'
    copy.expiresAt = 0
    copy.token = 'thief'
    expect(await store.get('k')).toMatchObject({ status: 'completed', result: '"k"', expiresAt: NOW + TTL, token: 'token-k-1700000000000' })
  })

  test('mutating the record a losing acquire returns does not change the store', async () => {
    const store = new MemoryStore()
    const token = await claim(store, 'k')
    const loser = await store.acquire({ key: 'k', fingerprint: 'fp-k', token: 'other', now: NOW + 1, lockedUntil: NOW + LEASE, expiresAt: NOW + LEASE })
    if (loser.acquired) throw new Error('expected to lose')
    loser.record.token = 'other'
    loser.record.lockedUntil = 0
    expect(await store.get('k')).toMatchObject({ token, lockedUntil: NOW + LEASE })
    expect(await store.complete({ key: 'k', token: 'other', result: 'x', expiresAt: NOW + TTL })).toBe(false)
  })

  test('two reads are distinct objects', async () => {
    const store = new MemoryStore()
    await claimAndComplete(store, 'k')
    const first = await store.get('k')
    const second = await store.get('k')
    expect(first).not.toBe(second)
    expect(first).toEqual(second)
  })
})

describe('extend', () => {
  test('moves lockedUntil and keeps the record at least until then', async () => {
    const store = new MemoryStore()
    const token = await claim(store, 'k')
    expect(await store.extend({ key: 'k', token, lockedUntil: NOW + 10 * LEASE })).toBe(true)
    expect(await store.get('k')).toMatchObject({ lockedUntil: NOW + 10 * LEASE, expiresAt: NOW + 10 * LEASE })
  })

  test('does not extend a completed record', async () => {
    const store = new MemoryStore()
    const token = await claim(store, 'k')
    await store.complete({ key: 'k', token, result: '1', expiresAt: NOW + TTL })
    expect(await store.extend({ key: 'k', token, lockedUntil: NOW + 10 * LEASE })).toBe(false)
  })
})

test('clear removes everything', async () => {
  const store = new MemoryStore()
  await claimAndComplete(store, 'a')
  await claim(store, 'b')
  store.clear()
  expect(store.size).toBe(0)
  expect(await store.get('a')).toBeUndefined()
})

describe('MemoryStore eviction prefers expired records', () => {
  test('when full, an expired record is dropped before any live completed record', async () => {
    const { MemoryStore: Store } = await import('../src/index.js')
    const store = new Store({ maxEntries: 3 })
    const t0 = 1_000_000
    // live-1 is least recently used but live; short-1 expires at t0 + 10.
    await store.acquire({ key: 'live-1', fingerprint: 'f', token: 'a', now: t0, lockedUntil: t0 + 5, expiresAt: t0 + 100_000 })
    await store.complete({ key: 'live-1', token: 'a', result: 'r', expiresAt: t0 + 100_000 })
    await store.acquire({ key: 'live-2', fingerprint: 'f', token: 'b', now: t0, lockedUntil: t0 + 5, expiresAt: t0 + 100_000 })
    await store.complete({ key: 'live-2', token: 'b', result: 'r', expiresAt: t0 + 100_000 })
    await store.acquire({ key: 'short-1', fingerprint: 'f', token: 'c', now: t0, lockedUntil: t0 + 5, expiresAt: t0 + 10 })
    await store.complete({ key: 'short-1', token: 'c', result: 'r', expiresAt: t0 + 10 })
    await store.acquire({ key: 'new', fingerprint: 'f', token: 'd', now: t0 + 50, lockedUntil: t0 + 500, expiresAt: t0 + 100_000 })
    expect(await store.get('live-1')).toBeDefined()
    expect(await store.get('live-2')).toBeDefined()
    expect(await store.get('short-1')).toBeUndefined()
    expect(await store.get('new')).toMatchObject({ status: 'in_progress' })
  })
})
