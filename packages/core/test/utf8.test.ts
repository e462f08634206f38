/** UTF-8 length and well-formedness of strings, checked against TextEncoder (the bytes every runtime sends). */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isWellFormed, utf8ByteLength } from '../src/utf8.js'

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
const strings = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: anyCodeUnit }), fc.string({ unit: 'binary' }))

describe('utf8ByteLength', () => {
  test('hand-checked lengths: ASCII, 2-byte, 3-byte, a pair, lone surrogates', () => {
    expect(utf8ByteLength('')).toBe(0)
    expect(utf8ByteLength('abc')).toBe(3)
    expect(utf8ByteLength('é')).toBe(2)
    expect(utf8ByteLength('€')).toBe(3)
    expect(utf8ByteLength('😀')).toBe(4)
    expect(utf8ByteLength('\ud83d')).toBe(3)
    expect(utf8ByteLength('\ude00x')).toBe(4)
    expect(utf8ByteLength('\ud83d\ud83d\ude00')).toBe(7)
  })

  test('property: equals the length of TextEncoder’s output for any string', () => {
    fc.assert(fc.property(strings, (text) => {
        expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length)
      }), { numRuns: 500 })
  })
})

describe('isWellFormed', () => {
  test('property: true exactly when the string survives a UTF-8 round trip unchanged', () => {
    fc.assert(
      fc.property(strings, (text) => {
        expect(isWellFormed(text)).toBe(new TextDecoder().decode(new TextEncoder().encode(text)) === text)
      }),
      { numRuns: 500 },
    )
  })
})
