/** Idempotency keys (what users send) and storage keys (what stores see). */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { InvalidKeyError } from '../src/errors.js'
import { assertValidKey, MAX_KEY_LENGTH, storageKey } from '../src/key.js'

function rejection(key: unknown): InvalidKeyError {
  try {
    assertValidKey(key)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidKeyError)
    return error as InvalidKeyError
  }
  throw new Error(`expected ${JSON.stringify(String(key))} to be rejected`)
}

/** Every printable ASCII character, 0x20 (space) to 0x7E (~). */
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, offset) => String.fromCharCode(0x20 + offset)).join('')

describe('assertValidKey', () => {
  test('accepts 1 to 255 printable ASCII characters', () => {
    expect(MAX_KEY_LENGTH).toBe(255)
    for (const key of ['a', 'x'.repeat(255), '0f8fad5b-d9cb-469f-a165-70867728950e', 'order 42', PRINTABLE.trim(), ':{}%"\\']) {
      expect(() => assertValidKey(key)).not.toThrow()
    }
  })

  test('rejects the empty string', () => {
    expect(rejection('').message).toMatch(/empty/)
  })

  test('rejects 256 characters', () => {
    expect(rejection('x'.repeat(256)).message).toMatch(/256/)
  })

  test.each([
    ['a newline', 'a\nb'],
    ['a tab', 'a\tb'],
    ['NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['é', 'caf\u00e9'],
    ['an emoji', 'key-\ud83d\ude00'],
    ['a line separator', 'a\u2028b'],
    ['a non-breaking space', 'a\u00a0b'],
  ])('rejects %s', (_name, key) => {
    const error = rejection(key)
    expect(error.code).toBe('invalid_key')
    expect(error.status).toBe(400)
  })

  test.each([' a', 'a ', ' ', '  a  '])('rejects leading or trailing space: %j', (key) => {
    expect(rejection(key).message).toMatch(/space/)
  })

  test.each([[undefined], [null], [42], [{}], [['k']], [Symbol('k')]])('rejects the non-string %s', (key) => {
    expect(rejection(key).message).toMatch(/must be a string/)
  })

  test('property: printable ASCII without outer spaces, 1–255 long, is valid', () => {
    const printable = fc.constantFrom(...PRINTABLE)
    const visible = fc.constantFrom(...PRINTABLE.slice(1))
    const keyArb = fc
      .tuple(visible, fc.string({ unit: printable, maxLength: 253 }), visible)
      .map(([first, middle, last]) => `${first}${middle}${last}`)
    fc.assert(
      fc.property(fc.oneof(visible, keyArb), (key) => {
        expect(() => assertValidKey(key)).not.toThrow()
      }),
      { numRuns: 300 },
    )
  })

  test('property: any character outside printable ASCII makes a key invalid', () => {
    const outside = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0xffff })).map((code) => String.fromCharCode(code))
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...PRINTABLE.slice(1)), maxLength: 100 }), outside, fc.nat(), (base, bad, at) => {
        const position = at % (base.length + 1)
        const key = `${base.slice(0, position)}${bad}${base.slice(position)}`
        expect(rejection(key).code).toBe('invalid_key')
      }),
      { numRuns: 300 },
    )
  })
})

describe('storageKey', () => {
  test('an unscoped key is prefixed with ":" (the empty scope)', () => {
    expect(storageKey('abc')).toBe(':abc')
    expect(storageKey('abc', '')).toBe(':abc')
    expect(storageKey('a:b')).toBe(':a:b')
  })

  test('the scope is prefixed, with % and : percent-encoded', () => {
    expect(storageKey('k', 'tenant-1')).toBe('tenant-1:k')
    expect(storageKey('k', 'a:b')).toBe('a%3Ab:k')
    expect(storageKey('k', '100%')).toBe('100%25:k')
    expect(storageKey('k', '%3A')).toBe('%253A:k')
  })

  test('a colon cannot move between scope and key', () => {
    expect(storageKey('c', 'a:b')).not.toBe(storageKey('b:c', 'a'))
    expect(storageKey('k', ':')).not.toBe(storageKey(':k'))
    // "%3A" written literally by one tenant is not ":" written by another.
    expect(storageKey('k', '%3A')).not.toBe(storageKey('k', ':'))
  })

  test('property: distinct (scope, key) pairs never share a storage key', () => {
    // Small alphabets full of the separator and escape characters make near-collisions likely.
    const tricky = fc.constantFrom(':', '%', '3', 'A', 'a', '2', '5', ' ')
    const scopeArb = fc.option(fc.string({ unit: tricky, maxLength: 6 }), { nil: undefined })
    const keyArb = fc.string({ unit: tricky, minLength: 1, maxLength: 6 })
    fc.assert(
      fc.property(fc.array(fc.tuple(scopeArb, keyArb), { minLength: 2, maxLength: 40 }), (pairs) => {
        // An absent scope and the empty scope are documented to be the same scope.
        const distinctPairs = new Set(pairs.map(([scope, key]) => JSON.stringify([scope ?? '', key])))
        const storageKeys = new Set(pairs.map(([scope, key]) => storageKey(key, scope)))
        expect(storageKeys.size).toBe(distinctPairs.size)
      }),
      { numRuns: 500 },
    )
  })

  test('property: the scope and key can be read back (the encoding is reversible)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (scope, key) => {
        const stored = storageKey(key, scope)
        const separator = stored.indexOf(':')
        expect(stored.slice(separator + 1)).toBe(key)
        const decodedScope = stored.slice(0, separator).replace(/%3A|%25/g, (escape) => (escape === '%3A' ? ':' : '%'))
        expect(decodedScope).toBe(scope)
      }),
      { numRuns: 300 },
    )
  })
})
