/** The result codec on its own: every JavaScript string comes back exactly, compressed or not. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { COMPRESS_MIN_BYTES, decodeResult, encodeResult } from '../src/result-codec.js'

/** Any code points, plus lone surrogates ('binary' code points alone are always well-formed). */
const anyString = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\u0000', '\uFEFF')), { maxLength: 30 })
  .map((parts) => parts.join(''))

async function roundTrip(text: string, compress: boolean): Promise<string> {
  const { bytes, encoding } = await encodeResult(text, compress)
  return decodeResult(bytes, encoding)
}

describe('result codec', () => {
  test('any string (including lone surrogates) round-trips, with and without compression', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, fc.boolean(), async (text, compress) => {
        expect((await roundTrip(text, compress)) === text).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  test('a leading U+FEFF survives (a default TextDecoder would strip it)', async () => {
    expect(await roundTrip('\uFEFF{"a":1}', false)).toBe('\uFEFF{"a":1}')
    expect(await roundTrip('\uFEFF'.repeat(2_000), true)).toBe('\uFEFF'.repeat(2_000))
  })

  test('well-formed text is UTF-8; text with a lone surrogate is UTF-16LE', async () => {
    expect(await encodeResult('é', false)).toEqual({ bytes: new Uint8Array([0xc3, 0xa9]), encoding: 'utf8' })
    expect(await encodeResult('\uD800', false)).toEqual({ bytes: new Uint8Array([0x00, 0xd8]), encoding: 'utf16le' })
  })

  test('compression applies from COMPRESS_MIN_BYTES and shrinks repetitive text', async () => {
    expect((await encodeResult('a'.repeat(COMPRESS_MIN_BYTES - 1), true)).encoding).toBe('utf8')
    const large = await encodeResult('a'.repeat(100_000), true)
    expect(large.encoding).toBe('utf8+gzip')
    expect(large.bytes.byteLength).toBeLessThan(1_000)
  })

  test('corrupted or unknown data fails loudly instead of replaying garbage', async () => {
    await expect(decodeResult(new Uint8Array([0xff, 0xfe, 0xfd]), 'utf8')).rejects.toThrow()
    await expect(decodeResult(new Uint8Array([1, 2, 3]), 'utf16le')).rejects.toThrow(/odd number of bytes/)
    await expect(decodeResult(new Uint8Array([1, 2]), 'brotli')).rejects.toThrow(/unknown result encoding "brotli"/)
  })
})
