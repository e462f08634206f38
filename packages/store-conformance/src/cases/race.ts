import { expect } from 'vitest'
import { MINUTE, type ConformanceCase } from '../context.js'

const CONTENDERS = 50

/** Concurrency: under N simultaneous claims exactly one wins, and every loser sees the winner. */
export const raceCases: ConformanceCase[] = [
  {
    name: `${CONTENDERS} concurrent acquires on one key: exactly one winner`,
    async run({ store, key, token, t0 }) {
      const k = key()
      const tokens = Array.from({ length: CONTENDERS }, () => token())
      const results = await Promise.all(
        tokens.map((owner) => store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })),
      )
      const winners = results.flatMap((result, index) => (result.acquired ? [tokens[index]] : []))
      expect(winners).toHaveLength(1)
      const record = await store.get(k)
      expect(record?.token).toBe(winners[0])
      for (const result of results) {
        if (!result.acquired) expect(result.record.token).toBe(winners[0])
      }
    },
    timeout: 30_000,
  },
  {
    name: 'concurrent acquires on many keys: one winner per key',
    async run({ store, key, token, t0 }) {
      const keys = Array.from({ length: 20 }, (_, index) => key(`k${index}`))
      const attempts = keys.flatMap((k) => Array.from({ length: 8 }, () => ({ k, owner: token() })))
      const results = await Promise.all(
        attempts.map(({ k, owner }) => store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })),
      )
      const winsPerKey = new Map<string, number>()
      results.forEach((result, index) => {
        if (result.acquired) winsPerKey.set(attempts[index]!.k, (winsPerKey.get(attempts[index]!.k) ?? 0) + 1)
      })
      expect([...winsPerKey.values()]).toEqual(keys.map(() => 1))
      expect(winsPerKey.size).toBe(keys.length)
    },
    timeout: 30_000,
  },
  {
    name: 'concurrent takeovers of a lapsed lease: exactly one winner',
    async run({ store, key, token, t0 }) {
      const k = key()
      await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0, lockedUntil: t0 + 1_000, expiresAt: t0 + 10 * MINUTE })
      const later = t0 + 2_000
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.acquire({ key: k, fingerprint: 'fp', token: token(), now: later, lockedUntil: later + MINUTE, expiresAt: later + 10 * MINUTE })),
      )
      expect(results.filter((result) => result.acquired)).toHaveLength(1)
    },
    timeout: 30_000,
  },
]
