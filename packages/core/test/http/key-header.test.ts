import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { InvalidKeyError } from '../../src/errors.js'
import { parseIdempotencyKey } from '../../src/http/key-header.js'

/** A valid key: 1–255 printable ASCII characters, no space at either end. */
const validKey = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 255 })
  .filter((key) => !key.startsWith(' ') && !key.endsWith(' '))

const sfString = (key: string) => `"${key.replace(/[\\"]/g, (char) => `\\${char}`)}"`

describe('parseIdempotencyKey', () => {
  test.each([
    ['abc', 'abc'],
    ['"abc"', 'abc'],
    ['  abc\t', 'abc'],
    ['"a\\"b\\\\c"', 'a"b\\c'],
    ['"a,b"', 'a,b'],
    ['8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['abc, abc', 'abc'],
    ['abc,"abc" , abc', 'abc'],
    ['"with inner space"', 'with inner space'],
  ])('%j → %j', (raw, key) => {
    expect(parseIdempotencyKey(raw)).toBe(key)
  })

  test('an absent header is no key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined()
    expect(parseIdempotencyKey(null)).toBeUndefined()
  })

  test.each([
    '',
    '   ',
    '""',
    '"abc',
    '"abc"x',
    '"abc";p=1',
    '"a\\x"',
    'a"b',
    'abc, abd',
    'abc,',
    ',abc',
    'a'.repeat(256),
    'caf\u00e9',
    'a\u0001b',
    'a\tb',
    '" abc"',
  ])('%j → InvalidKeyError', (raw) => {
    expect(() => parseIdempotencyKey(raw)).toThrow(InvalidKeyError)
  })

  test('every valid key round-trips as an sf-string, and as a bare value when it has no comma or quote', () => {
    fc.assert(
      fc.property(validKey, (key) => {
        expect(parseIdempotencyKey(sfString(key))).toBe(key)
        expect(parseIdempotencyKey(`${sfString(key)}, ${sfString(key)}`)).toBe(key)
        if (!/[,"]/.test(key)) expect(parseIdempotencyKey(key)).toBe(key)
      }),
    )
  })

  test('any string either parses to a valid key or throws InvalidKeyError, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (raw) => {
        try {
          const key = parseIdempotencyKey(raw) as string
          expect(key.length).toBeGreaterThanOrEqual(1)
          expect(key.length).toBeLessThanOrEqual(255)
          expect(key).toMatch(/^[\x20-\x7e]+$/)
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidKeyError)
        }
      }),
      { numRuns: 500 },
    )
  })
})
