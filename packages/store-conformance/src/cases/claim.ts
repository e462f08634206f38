import { expect } from 'vitest'
import { MINUTE, type ConformanceCase } from '../context.js'

/** Claiming and reading: the basic acquire/get contract. */
export const claimCases: ConformanceCase[] = [
  {
    name: 'acquire claims an absent key',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      const result = await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(result).toEqual({ acquired: true })
      const record = await store.get(k)
      expect(record).toMatchObject({ key: k, status: 'in_progress', fingerprint: 'fp', token: owner, lockedUntil: t0 + MINUTE })
      expect(record?.result).toBeUndefined()
    },
  },
  {
    name: 'a loser gets the live in-progress record',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp-1', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      const loser = await store.acquire({ key: k, fingerprint: 'fp-2', token: token(), now: t0 + 1, lockedUntil: t0 + 1 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(loser.acquired).toBe(false)
      if (loser.acquired) return
      expect(loser.record).toMatchObject({ key: k, status: 'in_progress', fingerprint: 'fp-1', token: owner, lockedUntil: t0 + MINUTE })
      expect(typeof loser.record.expiresAt).toBe('number')
    },
  },
  {
    name: 'a loser gets the live completed record with its result',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(await store.complete({ key: k, token: owner, result: '{"ok":true}', expiresAt: t0 + 20 * MINUTE })).toBe(true)
      const loser = await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0 + 5, lockedUntil: t0 + 5 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(loser).toEqual({
        acquired: false,
        record: expect.objectContaining({ key: k, status: 'completed', fingerprint: 'fp', token: owner, expiresAt: t0 + 20 * MINUTE, result: '{"ok":true}' }),
      })
    },
  },
  {
    name: 'get of an unknown key is undefined',
    async run({ store, key }) {
      expect(await store.get(key('never-written'))).toBeUndefined()
    },
  },
  {
    name: 'times round-trip as exact epoch milliseconds',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      const lockedUntil = t0 + 12_345
      const expiresAt = t0 + 9 * MINUTE + 7
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil, expiresAt })
      const record = await store.get(k)
      expect(record?.lockedUntil).toBe(lockedUntil)
      expect(record?.expiresAt).toBeGreaterThanOrEqual(lockedUntil)
      await store.complete({ key: k, token: owner, result: 'r', expiresAt: t0 + 30 * MINUTE + 3 })
      const completed = await store.get(k)
      expect(completed?.expiresAt).toBe(t0 + 30 * MINUTE + 3)
      expect(typeof completed?.lockedUntil).toBe('number')
    },
  },
]
