import { expect } from 'vitest'
import { MINUTE, type ConformanceCase } from '../context.js'

/** Fencing: only the current token may complete, release or extend. */
export const fencingCases: ConformanceCase[] = [
  {
    name: 'after a takeover the old token cannot complete, release or extend',
    async run({ store, key, token, t0 }) {
      const k = key()
      const stale = token()
      const fresh = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: stale, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      await store.acquire({ key: k, fingerprint: 'fp', token: fresh, now: t0 + 2 * MINUTE, lockedUntil: t0 + 3 * MINUTE, expiresAt: t0 + 12 * MINUTE })
      const before = await store.get(k)
      expect(await store.complete({ key: k, token: stale, result: 'stale', expiresAt: t0 + 30 * MINUTE })).toBe(false)
      expect(await store.release({ key: k, token: stale })).toBe(false)
      if (store.extend !== undefined) {
        expect(await store.extend({ key: k, token: stale, lockedUntil: t0 + 50 * MINUTE })).toBe(false)
      }
      expect(await store.get(k)).toEqual(before)
      expect(await store.complete({ key: k, token: fresh, result: 'fresh', expiresAt: t0 + 30 * MINUTE })).toBe(true)
      expect(await store.get(k)).toMatchObject({ status: 'completed', token: fresh, result: 'fresh' })
    },
  },
  {
    name: 'complete happens once: a second complete returns false and keeps the first result',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(await store.complete({ key: k, token: owner, result: 'one', expiresAt: t0 + 10 * MINUTE })).toBe(true)
      expect(await store.complete({ key: k, token: owner, result: 'two', expiresAt: t0 + 20 * MINUTE })).toBe(false)
      expect(await store.get(k)).toMatchObject({ status: 'completed', result: 'one', expiresAt: t0 + 10 * MINUTE })
    },
  },
  {
    name: 'complete with a wrong token or on an absent key returns false',
    async run({ store, key, token, t0 }) {
      const k = key()
      await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(await store.complete({ key: k, token: token(), result: 'x', expiresAt: t0 + 10 * MINUTE })).toBe(false)
      expect(await store.get(k)).toMatchObject({ status: 'in_progress' })
      expect(await store.complete({ key: key('absent'), token: token(), result: 'x', expiresAt: t0 + 10 * MINUTE })).toBe(false)
      expect(await store.get(key('absent'))).toBeUndefined()
    },
  },
  {
    name: 'release only by the owner, and the key is free afterwards',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(await store.release({ key: k, token: token() })).toBe(false)
      expect((await store.get(k))?.token).toBe(owner)
      expect(await store.release({ key: k, token: owner })).toBe(true)
      expect(await store.get(k)).toBeUndefined()
      expect(await store.release({ key: k, token: owner })).toBe(false)
      const next = await store.acquire({ key: k, fingerprint: 'fp-2', token: token(), now: t0 + 1, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(next).toEqual({ acquired: true })
    },
  },
  {
    name: 'extend moves lockedUntil for the owner only',
    async run({ store, key, token, t0 }) {
      if (store.extend === undefined) return
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 2 * MINUTE })
      expect(await store.extend({ key: k, token: token(), lockedUntil: t0 + 5 * MINUTE })).toBe(false)
      expect(await store.extend({ key: k, token: owner, lockedUntil: t0 + 5 * MINUTE })).toBe(true)
      expect((await store.get(k))?.lockedUntil).toBe(t0 + 5 * MINUTE)
      // The extended lease protects the key past the original deadline (and past the original expiresAt).
      const blocked = await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0 + 3 * MINUTE, lockedUntil: t0 + 4 * MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(blocked.acquired).toBe(false)
      expect(await store.complete({ key: k, token: owner, result: 'r', expiresAt: t0 + 10 * MINUTE })).toBe(true)
      expect(await store.extend({ key: k, token: owner, lockedUntil: t0 + 9 * MINUTE })).toBe(false)
    },
  },
  {
    name: 'extend on a completed or absent record returns false',
    async run({ store, key, token, t0 }) {
      if (store.extend === undefined) return
      expect(await store.extend({ key: key('absent'), token: token(), lockedUntil: t0 + MINUTE })).toBe(false)
      expect(await store.get(key('absent'))).toBeUndefined()
    },
  },
]
