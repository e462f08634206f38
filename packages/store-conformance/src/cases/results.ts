import { expect } from 'vitest'
import { MINUTE, type CaseContext, type ConformanceCase } from '../context.js'

const MULTI_MB = 3 * 1024 * 1024

async function roundTrip({ store, key, token, t0 }: CaseContext, result: string): Promise<void> {
  const k = key()
  const owner = token()
  await store.acquire({ key: k, fingerprint: 'fp', token: owner, now: t0, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
  expect(await store.complete({ key: k, token: owner, result, expiresAt: t0 + 10 * MINUTE })).toBe(true)
  const read = await store.get(k)
  // Compare lengths first so a mismatch in a multi-MB string reports something readable.
  expect(read?.result?.length).toBe(result.length)
  expect(read?.result === result).toBe(true)
  const replay = await store.acquire({ key: k, fingerprint: 'fp', token: token(), now: t0 + 1, lockedUntil: t0 + MINUTE, expiresAt: t0 + 10 * MINUTE })
  expect(replay.acquired).toBe(false)
  if (!replay.acquired) expect(replay.record.result === result).toBe(true)
}

function controlCharacters(): string {
  let text = ''
  for (let code = 0; code < 0x20; code++) text += String.fromCharCode(code)
  return `${text}\u007f\u0085\u2028\u2029`
}

/** Results are opaque strings and must come back byte for byte. */
export const resultCases: ConformanceCase[] = [
  {
    name: 'complete stores Unicode exactly (no normalisation)',
    run: (context) => roundTrip(context, 'é vs e\u0301 · 日本語 · 🧾💳 · \u{1F600} · "quotes" \\ backslash'),
  },
  {
    name: 'complete stores control characters and NUL exactly',
    run: (context) => roundTrip(context, `before${controlCharacters()}after\u0000\u0000end`),
  },
  {
    name: 'complete stores an empty result',
    run: (context) => roundTrip(context, ''),
  },
  {
    name: 'complete stores a multi-megabyte result exactly',
    async run(context) {
      const limit = context.store.maxResultBytes
      const size = limit === undefined ? MULTI_MB : Math.min(MULTI_MB, limit)
      const unit = 'idemkit-€-🧾-' // mixes 1-, 3- and 4-byte UTF-8 sequences
      let text = unit.repeat(Math.ceil(size / new TextEncoder().encode(unit).length))
      while (new TextEncoder().encode(text).length > size) text = text.slice(0, -unit.length)
      await roundTrip(context, text)
    },
    timeout: 60_000,
  },
]
