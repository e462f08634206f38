import { expect } from 'vitest'
import { MINUTE, type ConformanceCase } from '../context.js'

/** Liveness: the store compares the core's `now` against absolute deadlines; nothing sleeps. */
export const expiryCases: ConformanceCase[] = [
  {
    name: 'a completed record is live until expiresAt, and re-acquirable at expiresAt',
    async run({ store, key, token, t0 }) {
      const k = key()
      const first = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: first, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      await store.complete({ key: k, token: first, result: 'first', expiresAt: t0 + 5 * MINUTE })
      const before = await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0 + 5 * MINUTE - 1, lockedUntil: t0 + 6 * MINUTE, expiresAt: t0 + 20 * MINUTE })
      expect(before.acquired).toBe(false)
      const second = token()
      const at = await store.acquire({ key: k, fingerprint: 'fp-new', token: second, now: t0 + 5 * MINUTE, lockedUntil: t0 + 6 * MINUTE, expiresAt: t0 + 20 * MINUTE })
      expect(at).toEqual({ acquired: true })
      const record = await store.get(k)
      expect(record).toMatchObject({ status: 'in_progress', token: second, fingerprint: 'fp-new' })
      expect(record?.result).toBeUndefined()
    },
  },
  {
    name: 'an in-progress record is live until lockedUntil',
    async run({ store, key, token, t0 }) {
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      const result = await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0 + MINUTE - 1, lockedUntil: t0 + 2 * MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(result.acquired).toBe(false)
      expect((await store.get(k))?.token).toBe(owner)
    },
  },
  {
    name: 'an in-progress record past lockedUntil is taken over with the new token',
    async run({ store, key, token, t0 }) {
      const k = key()
      const stale = token()
      const fresh = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: stale, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      const takeover = await store.acquire({ key: k, fingerprint: 'fp', token: fresh, now: t0 + MINUTE, lockedUntil: t0 + 2 * MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(takeover).toEqual({ acquired: true })
      expect(await store.get(k)).toMatchObject({ status: 'in_progress', token: fresh, lockedUntil: t0 + 2 * MINUTE })
    },
  },
  {
    name: 'a completed record is not taken over when its lockedUntil has passed',
    async run({ store, key, token, t0 }) {
      // lockedUntil only governs in-progress records: a completed one lives until expiresAt.
      const k = key()
      const owner = token()
      await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + 1_000, expiresAt: t0 + 10 * MINUTE })
      await store.complete({ key: k, token: owner, result: 'done', expiresAt: t0 + 10 * MINUTE })
      const result = await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0 + 5 * MINUTE, lockedUntil: t0 + 6 * MINUTE, expiresAt: t0 + 20 * MINUTE })
      expect(result).toMatchObject({ acquired: false, record: { status: 'completed', result: 'done' } })
    },
  },
]
