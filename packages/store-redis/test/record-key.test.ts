import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { assertValidPrefix, escapeForHashTag, recordKey, unescapeFromHashTag } from '../src/record-key.js'

/** Redis Cluster's rule: hash the part between the first `{` and the next `}`, if non-empty. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{')
  if (open === -1) return key
  const close = key.indexOf('}', open + 1)
  if (close === -1 || close === open + 1) return key
  return key.slice(open + 1, close)
}

/** Any Unicode grapheme, with braces, `%` and `:` made frequent. */
const keyCharacter = fc.oneof(fc.constantFrom('{', '}', '%', ':'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }))

describe('record keys', () => {
  test('the hash tag of a record key is exactly the escaped storage key', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: keyCharacter }), (storageKey) => {
        const tag = hashTagOf(recordKey('idemkit:', storageKey))
        expect(tag).toBe(escapeForHashTag(storageKey))
        expect(unescapeFromHashTag(tag)).toBe(storageKey)
      }),
      { numRuns: 2_000 },
    )
  })

  test('escaping is injective even for keys made of %, 7, D and braces', () => {
    const awkward = fc.string({ unit: fc.constantFrom('%', '7', 'D', '2', '5', '{', '}', 'a'), maxLength: 12 })
    fc.assert(
      fc.property(awkward, awkward, (a, b) => {
        if (a !== b) expect(escapeForHashTag(a)).not.toBe(escapeForHashTag(b))
      }),
      { numRuns: 5_000 },
    )
  })

  test('prefixes with braces are refused, others accepted', () => {
    expect(() => assertValidPrefix('app:{x}:')).toThrow(/must not contain/)
    expect(() => assertValidPrefix('app}')).toThrow(TypeError)
    expect(() => assertValidPrefix('')).not.toThrow()
    expect(() => assertValidPrefix('tenant:42:')).not.toThrow()
  })
})
