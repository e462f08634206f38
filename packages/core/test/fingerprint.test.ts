/**
 * Fingerprints and the two hash implementations behind them. Digests are checked against
 * `node:crypto` directly (an oracle independent of the module's `#crypto` choice) and against the
 * FIPS 180-2 test vectors.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { fingerprint } from '../src/fingerprint.js'
import * as nodeCrypto from '../src/platform/crypto-node.js'
import * as webCrypto from '../src/platform/crypto-web.js'

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A JSON value with one leaf (or empty container) replaced by `replacement`, at the `pick`-th leaf. */
function replaceLeaf(value: unknown, pick: number, replacement: unknown): { changed: unknown; original: unknown } {
  let remaining = pick
  let original: unknown
  const visit = (node: unknown): unknown => {
    const isContainer = typeof node === 'object' && node !== null
    const children = isContainer ? Object.keys(node) : []
    if (children.length === 0) {
      if (remaining-- === 0) {
        original = node
        return replacement
      }
      return node
    }
    if (Array.isArray(node)) return node.map(visit)
    const out: Record<string, unknown> = {}
    for (const key of children) {
      Object.defineProperty(out, key, {
        value: visit((node as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return { changed: visit(value), original }
}

function countLeaves(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1
  const children = Object.values(value)
  return children.length === 0 ? 1 : children.reduce<number>((sum, child) => sum + countLeaves(child), 0)
}

/** Distinct (as far as fingerprints go) JSON leaves: -0 and 0 are the same leaf. */
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.string(),
  fc.constant([]),
  fc.constant({}),
)

describe('fingerprint', () => {
  test('is the lower-case hex SHA-256 of the canonical text', async () => {
    expect(await fingerprint({ b: 1, a: 'x', c: [true, 2] })).toBe(sha256('{"a":"x","b":1,"c":[true,2]}'))
    expect(await fingerprint('abc')).toBe(sha256('"abc"'))
    expect(await fingerprint(undefined)).toBe(sha256('undefined'))
    expect(await fingerprint(null)).toMatch(/^[0-9a-f]{64}$/)
  })

  test('member order does not matter', async () => {
    expect(await fingerprint({ amount: 100, currency: 'EUR', meta: { b: 1, a: 2 } })).toBe(
      await fingerprint({ meta: { a: 2, b: 1 }, currency: 'EUR', amount: 100 }),
    )
  })

  test('raw bytes at top level are hashed as they are', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255])
    expect(await fingerprint(bytes)).toBe(sha256(bytes))
    expect(await fingerprint(bytes.buffer)).toBe(sha256(bytes))
    expect(await fingerprint(new DataView(bytes.buffer))).toBe(sha256(bytes))
    expect(await fingerprint(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  test('a view is hashed as the bytes it views, not its whole buffer', async () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9])
    const viewed = new Uint8Array([1, 2, 3])
    expect(await fingerprint(whole.subarray(2, 5))).toBe(sha256(viewed))
    expect(await fingerprint(new DataView(whole.buffer, 2, 3))).toBe(sha256(viewed))
    const words = new Uint16Array([1, 2, 3, 4])
    const middle = words.subarray(1, 3)
    expect(await fingerprint(middle)).toBe(sha256(new Uint8Array(words.buffer, 2, 4)))
  })

  test('a Buffer (a Uint8Array) is hashed as its bytes', async () => {
    expect(await fingerprint(Buffer.from('hello'))).toBe(sha256('hello'))
  })

  test('bytes nested in a value are part of the canonical text, distinct from arrays of numbers', async () => {
    const withBytes = await fingerprint({ body: new Uint8Array([1, 2]) })
    expect(withBytes).toBe(sha256('{"body":b"0102"}'))
    expect(withBytes).not.toBe(await fingerprint({ body: [1, 2] }))
  })

  test('values JSON would confuse get different fingerprints', async () => {
    const values: unknown[] = [
      null,
      undefined,
      [null],
      [undefined],
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0,
      '0',
      0n,
      12,
      12n,
      '12',
      '2020-01-01T00:00:00.000Z',
      { a: null },
      {},
    ]
    const prints = await Promise.all(values.map(fingerprint))
    expect(new Set(prints).size).toBe(values.length)
  })

  test('a Date fingerprints as its ISO string (what it becomes on the wire)', async () => {
    const date = new Date(Date.UTC(2020, 0, 1))
    expect(await fingerprint({ at: date })).toBe(await fingerprint({ at: '2020-01-01T00:00:00.000Z' }))
    expect(await fingerprint(new Date(Date.UTC(2020, 0, 1, 0, 0, 0, 1)))).not.toBe(await fingerprint(date))
  })

  test('-0 and 0 are the same request', async () => {
    expect(await fingerprint([-0])).toBe(await fingerprint([0]))
  })

  test('Unicode is not normalised: é and e + combining acute differ', async () => {
    expect(await fingerprint({ name: '\u00e9' })).not.toBe(await fingerprint({ name: 'e\u0301' }))
  })

  test('lone surrogates do not collide with U+FFFD or with each other', async () => {
    const prints = await Promise.all(['\ud800', '\udbff', '\udc00', '\ufffd'].map(fingerprint))
    expect(new Set(prints).size).toBe(4)
  })

  test('what cannot be fingerprinted rejects with a TypeError', async () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const bad of [cyclic, new Map(), new Set(), () => 1, Symbol('x'), { a: new Date(Number.NaN) }]) {
      await expect(fingerprint(bad)).rejects.toBeInstanceOf(TypeError)
    }
  })

  test('property: equal values in any key order have equal fingerprints', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue(), { noNullPrototype: true }), async (record) => {
        const reversed: Record<string, unknown> = {}
        for (const key of Object.keys(record).reverse()) {
          Object.defineProperty(reversed, key, { value: record[key], enumerable: true, writable: true, configurable: true })
        }
        expect(await fingerprint(reversed)).toBe(await fingerprint(record))
      }),
      { numRuns: 200 },
    )
  })

  test('property: changing any leaf value changes the fingerprint', async () => {
    const caseArb = fc
      .tuple(fc.jsonValue(), fc.nat(), leaf)
      .map(([value, pick, replacement]) => ({ value, pick: pick % countLeaves(value), replacement }))
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ value, pick, replacement }) => {
        const { changed, original } = replaceLeaf(value, pick, replacement)
        // Skip replacements that are the same leaf (as a fingerprint sees it).
        fc.pre(JSON.stringify(original) !== JSON.stringify(replacement))
        expect(await fingerprint(changed)).not.toBe(await fingerprint(value))
      }),
      { numRuns: 200 },
    )
  })

  test('property: a BigInt, Date or byte leaf changed to another value changes the fingerprint', async () => {
    const special = fc.oneof(
      fc.bigInt(),
      fc.date({ noInvalidDate: true }),
      fc.uint8Array({ maxLength: 16 }),
      fc.constant(undefined),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    )
    await fc.assert(
      fc.asyncProperty(special, special, async (a, b) => {
        const same =
          typeof a === typeof b &&
          (a instanceof Date && b instanceof Date
            ? a.getTime() === b.getTime()
            : a instanceof Uint8Array && b instanceof Uint8Array
              ? Buffer.from(a).equals(Buffer.from(b))
              : Object.is(a, b))
        fc.pre(!same)
        expect(await fingerprint({ x: [a] })).not.toBe(await fingerprint({ x: [b] }))
      }),
      { numRuns: 200 },
    )
  })
})

describe('the two SHA-256 implementations', () => {
  test('report which one they are', () => {
    expect(nodeCrypto.sha256Implementation).toBe('node-crypto')
    expect(webCrypto.sha256Implementation).toBe('web-crypto')
  })

  test.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('FIPS 180-2 vector %j', async (input, digest) => {
    expect(await nodeCrypto.sha256Hex(input)).toBe(digest)
    expect(await webCrypto.sha256Hex(input)).toBe(digest)
    expect(await webCrypto.sha256Hex(new TextEncoder().encode(input))).toBe(digest)
  })

  test('property: identical digests for random byte arrays, including views into larger buffers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.nat({ max: 16 }), async (bytes, trim) => {
        const view = bytes.subarray(Math.min(trim, bytes.length))
        const expected = sha256(view)
        expect(await nodeCrypto.sha256Hex(view)).toBe(expected)
        expect(await webCrypto.sha256Hex(view)).toBe(expected)
      }),
      { numRuns: 200 },
    )
  })

  test('property: identical digests for any string, lone surrogates included (both hash UTF-8)', async () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
    const strings = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyCodeUnit }), fc.string({ unit: 'grapheme' }))
    await fc.assert(
      fc.asyncProperty(strings, async (text) => {
        const expected = sha256(new TextEncoder().encode(text))
        expect(await nodeCrypto.sha256Hex(text)).toBe(expected)
        expect(await webCrypto.sha256Hex(text)).toBe(expected)
      }),
      { numRuns: 200 },
    )
  })

  test('randomToken returns distinct v4 UUIDs', () => {
    const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    for (const implementation of [nodeCrypto, webCrypto]) {
      const tokens = Array.from({ length: 2_000 }, () => implementation.randomToken())
      for (const token of tokens) expect(token).toMatch(uuidV4)
      expect(new Set(tokens).size).toBe(tokens.length)
    }
  })
})
