import { expect } from 'vitest'
import { MINUTE, type ConformanceCase } from '../context.js'

const AWKWARD_KEYS = [
  'a:b:c',
  '{tag}',
  'x}{y',
  '}{',
  'with space inside',
  'percent%3Aencoded',
  "quote'and\"double",
  'back\\slash',
  'tenant-é-ünicode:key',
  'k'.repeat(255),
]

/** Storage keys are arbitrary strings: the core scopes them with `:` and users pick their own. */
export const keyCases: ConformanceCase[] = [
  {
    name: 'keys with :, {, }, spaces, quotes, Unicode and 255 characters are distinct and round-trip',
    async run({ store, key, token, t0 }) {
      const keys = AWKWARD_KEYS.map((suffix) => key(suffix))
      const owners = keys.map(() => token())
      for (const [index, k] of keys.entries()) {
        const result = await store.acquire({ key: k, fingerprint: `fp-${index}`, token: owners[index]!, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
        expect(result, `acquire ${JSON.stringify(k)}`).toEqual({ acquired: true })
      }
      for (const [index, k] of keys.entries()) {
        expect(await store.complete({ key: k, token: owners[index]!, result: `result-${index}`, expiresAt: t0 + 10 * MINUTE })).toBe(true)
      }
      for (const [index, k] of keys.entries()) {
        const record = await store.get(k)
        expect(record, `get ${JSON.stringify(k)}`).toMatchObject({ key: k, fingerprint: `fp-${index}`, result: `result-${index}` })
      }
    },
  },
  {
    name: 'a key that is a prefix of another is a different record',
    async run({ store, key, token, t0 }) {
      const short = key('p')
      const long = `${short}:suffix`
      const first = await store.acquire({ key: short, fingerprint: 'a', token: token(), now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      const second = await store.acquire({ key: long, fingerprint: 'b', token: token(), now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
      expect(first.acquired && second.acquired).toBe(true)
    },
  },
]
