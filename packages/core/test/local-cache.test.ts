/** The opt-in in-process cache of completed records: bounded LRU, expiry respected. */
import { describe, expect, test } from 'vitest'
import { LocalCache, type CachedCompletion } from '../src/local-cache.js'

const NOW = 1_000_000

function entry(name: string, expiresAt = NOW + 60_000): CachedCompletion {
  return { fingerprint: `fp-${name}`, result: `"${name}"`, expiresAt }
}

describe('LocalCache', () => {
  test('returns what was set', () => {
    const cache = new LocalCache(10)
    cache.set('a', entry('a'))
    expect(cache.get('a', NOW)).toEqual(entry('a'))
    expect(cache.get('missing', NOW)).toBeUndefined()
  })

  test('keeps at most maxEntries, evicting the least recently used', () => {
    const cache = new LocalCache(2)
    cache.set('a', entry('a'))
    cache.set('b', entry('b'))
    expect(cache.get('a', NOW)).toBeDefined() // a is now more recent than b
    cache.set('c', entry('c'))
    expect(cache.get('b', NOW)).toBeUndefined()
    expect(cache.get('a', NOW)).toEqual(entry('a'))
    expect(cache.get('c', NOW)).toEqual(entry('c'))
  })

  test('setting an existing key replaces it without evicting another', () => {
    const cache = new LocalCache(2)
    cache.set('a', entry('a'))
    cache.set('b', entry('b'))
    cache.set('a', entry('a2'))
    expect(cache.get('a', NOW)).toEqual(entry('a2'))
    expect(cache.get('b', NOW)).toEqual(entry('b'))
  })

  test('the bound holds under many inserts', () => {
    const cache = new LocalCache(100)
    for (let index = 0; index < 1_000; index++) cache.set(`k${index}`, entry(String(index)))
    let present = 0
    for (let index = 0; index < 1_000; index++) if (cache.get(`k${index}`, NOW) !== undefined) present++
    expect(present).toBe(100)
    expect(cache.get('k999', NOW)).toBeDefined()
    expect(cache.get('k0', NOW)).toBeUndefined()
  })

  test('an entry is served strictly before expiresAt and dropped at expiresAt', () => {
    const cache = new LocalCache(10)
    cache.set('a', entry('a', NOW + 100))
    expect(cache.get('a', NOW + 99)).toBeDefined()
    expect(cache.get('a', NOW + 100)).toBeUndefined()
    // Dropped, not just hidden: an earlier clock does not bring it back.
    expect(cache.get('a', NOW)).toBeUndefined()
  })

  test('an expired entry frees its slot', () => {
    const cache = new LocalCache(2)
    cache.set('old', entry('old', NOW + 1))
    cache.set('b', entry('b'))
    expect(cache.get('old', NOW + 5)).toBeUndefined()
    cache.set('c', entry('c'))
    expect(cache.get('b', NOW + 5)).toBeDefined()
    expect(cache.get('c', NOW + 5)).toBeDefined()
  })

  test.each([0, -1, 1.5, Number.NaN])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new LocalCache(maxEntries)).toThrow(RangeError)
  })
})
