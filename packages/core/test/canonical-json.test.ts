/**
 * Canonical text (the input of every fingerprint): RFC 8785 for JSON values, documented tokens for the
 * rest. Expected texts are written by hand from RFC 8785's examples, never computed by the code under
 * test.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { canonicalize } from '../src/canonical-json.js'

/** A float64 from its IEEE 754 bit pattern written in hex, as RFC 8785 Appendix B lists them. */
function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

/** `depth` arrays nested in each other: `[[[…]]]`, built without recursion. */
function nestedArrays(depth: number): unknown[] {
  let value: unknown[] = []
  for (let level = 1; level < depth; level++) value = [value]
  return value
}

/** Replaces every -0 by 0: canonical JSON (ECMAScript Number#toString) does not distinguish them. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0
  if (Array.isArray(value)) return value.map(withoutNegativeZero)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: withoutNegativeZero((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return value
}

describe('RFC 8785 examples', () => {
  test('§3.2.2 sample: whitespace removed, members sorted, numbers and strings serialised', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`)
    expect(canonicalize(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    )
  })

  test('§3.2.3 sorting: members ordered by UTF-16 code units, not by locale and not by code point', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`)
    // U+1F600 is the surrogate pair D83D DE00, which sorts BEFORE U+FB33 by code units (a code-point
    // sort would put it last): RFC 8785 §3.2.3 specifies code units.
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  test('§3.2.3: nested objects are sorted too, arrays keep their order', () => {
    expect(canonicalize({ b: [3, 1, 2], a: { z: 1, y: { d: 0, c: 0 } } })).toBe('{"a":{"y":{"c":0,"d":0},"z":1},"b":[3,1,2]}')
  })

  test('nested arrays keep their shape: [[1,2]], [[1],[2]] and [1,2] are different texts', () => {
    expect(canonicalize([[1, [2, [3, []]]], [{}]])).toBe('[[1,[2,[3,[]]]],[{}]]')
    const texts = [[[1, 2]], [[1], [2]], [1, 2], [[[1, 2]]]].map(canonicalize)
    expect(new Set(texts).size).toBe(texts.length)
  })

  test('objects of alternating shapes in one array are each sorted by their own members', () => {
    const items = [
      { b: 1, a: 2 },
      { b: 3, a: 4 },
      { d: 5, c: 6 },
      { b: 7, a: 8 },
      { b: 9, a: 10, z: 0 },
      { b: 11, a: 12 },
      { a: 13, b: 14 },
    ]
    expect(canonicalize(items)).toBe(
      '[{"a":2,"b":1},{"a":4,"b":3},{"c":6,"d":5},{"a":8,"b":7},{"a":10,"b":9,"z":0},{"a":12,"b":11},{"a":13,"b":14}]',
    )
  })

  test('a class instance and a null-prototype object are written by their own members, like a plain object', () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { y: 2, x: 1 })
    expect(canonicalize([new Point(2, 1), bare, { y: 2, x: 1 }])).toBe('[{"x":1,"y":2},{"x":1,"y":2},{"x":1,"y":2}]')
  })

  test('integer-like member names sort as strings ("10" before "9"), unlike JavaScript property order', () => {
    // JavaScript enumerates integer-like keys first, in numeric order: a naive JSON.stringify would
    // write {"9":…,"10":…}. RFC 8785 compares code units.
    expect(canonicalize({ a: 3, 9: 2, 10: 1 })).toBe('{"10":1,"9":2,"a":3}')
  })

  test('Appendix B: ECMAScript number serialisation of IEEE 754 values', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'], // -0
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ]
    for (const [hex, expected] of vectors) expect(canonicalize(fromIeeeHex(hex)), hex).toBe(expected)
  })

  test('string escaping: only ", \\ and control characters; / and non-ASCII stay literal', () => {
    expect(canonicalize('\b\t\n\f\r')).toBe('"\\b\\t\\n\\f\\r"')
    expect(canonicalize('\u0000\u001f\u007f')).toBe('"\\u0000\\u001f\u007f"')
    expect(canonicalize('a"b\\c/d')).toBe('"a\\"b\\\\c/d"')
    expect(canonicalize('€😀')).toBe('"€😀"')
  })

  test('no whitespace anywhere', () => {
    expect(canonicalize({ a: [1, { b: null }], c: 'x y' })).toBe('{"a":[1,{"b":null}],"c":"x y"}')
    expect(canonicalize([])).toBe('[]')
    expect(canonicalize({})).toBe('{}')
  })
})

describe('values JSON cannot carry', () => {
  test('undefined: a token at top level and in arrays, omitted as a member', () => {
    expect(canonicalize(undefined)).toBe('undefined')
    expect(canonicalize([1, undefined, null])).toBe('[1,undefined,null]')
    expect(canonicalize({ a: undefined, b: 1 })).toBe('{"b":1}')
    expect(canonicalize({ a: undefined })).toBe(canonicalize({}))
    // Distinct from null, which JSON.stringify would confuse it with inside arrays.
    expect(canonicalize([undefined])).not.toBe(canonicalize([null]))
  })

  test('a sparse array hole is undefined', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(canonicalize([1, , 3])).toBe('[1,undefined,3]')
  })

  test('null', () => {
    expect(canonicalize(null)).toBe('null')
    expect(canonicalize({ a: null })).toBe('{"a":null}')
  })

  test('NaN and ±Infinity are bare tokens, never null', () => {
    expect(canonicalize(Number.NaN)).toBe('NaN')
    expect(canonicalize(Number.POSITIVE_INFINITY)).toBe('Infinity')
    expect(canonicalize(Number.NEGATIVE_INFINITY)).toBe('-Infinity')
    expect(canonicalize([Number.NaN, null])).toBe('[NaN,null]')
  })

  test('-0 is written as 0', () => {
    expect(canonicalize(-0)).toBe('0')
    expect(canonicalize({ a: -0 })).toBe(canonicalize({ a: 0 }))
  })

  test('BigInt is its digits and n, distinct from the number and the string', () => {
    expect(canonicalize(12n)).toBe('12n')
    expect(canonicalize(-123456789012345678901234567890n)).toBe('-123456789012345678901234567890n')
    expect(canonicalize({ n: 12n })).toBe('{"n":12n}')
    expect(new Set([canonicalize(12n), canonicalize(12), canonicalize('12')]).size).toBe(3)
  })

  test('a valid Date is its ISO string, as on the wire', () => {
    const date = new Date(Date.UTC(2024, 1, 29, 12, 30, 5, 7))
    expect(canonicalize(date)).toBe('"2024-02-29T12:30:05.007Z"')
    expect(canonicalize({ at: date })).toBe('{"at":"2024-02-29T12:30:05.007Z"}')
  })

  test('an invalid Date is a TypeError', () => {
    expect(() => canonicalize(new Date(Number.NaN))).toThrow(TypeError)
    expect(() => canonicalize({ a: [new Date('not a date')] })).toThrow(/invalid Date/)
  })

  test('an object with toJSON is the canonical text of what toJSON returns', () => {
    const money = { toJSON: () => ({ currency: 'EUR', amount: 100 }) }
    expect(canonicalize(money)).toBe('{"amount":100,"currency":"EUR"}')
    expect(canonicalize({ price: money })).toBe('{"price":{"amount":100,"currency":"EUR"}}')
    expect(canonicalize({ toJSON: () => 'x' })).toBe('"x"')
    class Id {
      constructor(private readonly id: number) {}
      toJSON(): string {
        return `id-${this.id}`
      }
    }
    expect(canonicalize([new Id(7)])).toBe('["id-7"]')
  })

  test('a toJSON that returns its own object is a cycle, not a stack overflow', () => {
    const selfish = {
      toJSON(): unknown {
        return selfish
      },
    }
    expect(() => canonicalize(selfish)).toThrow(TypeError)
  })
})

describe('bytes', () => {
  test('Uint8Array is b"hex" of its bytes, distinct from an array of the same numbers', () => {
    expect(canonicalize(new Uint8Array([0, 1, 15, 16, 255]))).toBe('b"00010f10ff"')
    expect(canonicalize(new Uint8Array(0))).toBe('b""')
    expect(canonicalize({ body: new Uint8Array([1, 2]) })).toBe('{"body":b"0102"}')
    expect(canonicalize(new Uint8Array([1, 2]))).not.toBe(canonicalize([1, 2]))
  })

  test('a view covers only its own bytes, not the whole buffer', () => {
    const buffer = new Uint8Array([9, 9, 1, 2, 3, 9]).buffer
    expect(canonicalize(new Uint8Array(buffer, 2, 3))).toBe('b"010203"')
    expect(canonicalize(new DataView(buffer, 2, 3))).toBe('b"010203"')
    expect(canonicalize(buffer)).toBe('b"090901020309"')
  })

  test('other typed arrays are their bytes (platform byte order)', () => {
    const words = new Uint16Array([0x0102, 0xa0b0])
    const bytes = new Uint8Array(words.buffer)
    const expected = `b"${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}"`
    expect(canonicalize(words)).toBe(expected)
    expect(canonicalize(new Float64Array([1]))).toMatch(/^b"[0-9a-f]{16}"$/)
  })
})

describe('Unicode', () => {
  test('NFC is NOT applied: precomposed and decomposed é are different texts', () => {
    const precomposed = '\u00e9'
    const decomposed = 'e\u0301'
    expect(canonicalize(precomposed)).toBe('"\u00e9"')
    expect(canonicalize(decomposed)).toBe('"e\u0301"')
    expect(canonicalize({ [precomposed]: 1 })).not.toBe(canonicalize({ [decomposed]: 1 }))
  })

  test('lone surrogates are escaped, so they never collapse to U+FFFD when encoded as UTF-8', () => {
    expect(canonicalize('\ud800')).toBe('"\\ud800"')
    expect(canonicalize('a\udfffb')).toBe('"a\\udfffb"')
    expect(canonicalize({ '\udc00': 1 })).toBe('{"\\udc00":1}')
    const texts = ['\ud800', '\udc00', '\ufffd', '\\ud800'].map(canonicalize)
    expect(new Set(texts).size).toBe(texts.length)
  })

  test('a well-formed surrogate pair stays literal', () => {
    expect(canonicalize('\ud83d\ude00')).toBe('"😀"')
  })
})

describe('what cannot be fingerprinted is a TypeError', () => {
  test.each([
    ['a Map', new Map([[1, 2]])],
    ['a Set', new Set([1])],
    ['a WeakMap', new WeakMap()],
    ['a WeakSet', new WeakSet()],
    ['a Promise', Promise.resolve(1)],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('%s, at top level, in an array and as a member', (_name, value) => {
    expect(() => canonicalize(value)).toThrow(TypeError)
    expect(() => canonicalize([1, value])).toThrow(TypeError)
    // Silently dropping the member (as JSON.stringify does) would make different requests look equal.
    expect(() => canonicalize({ a: 1, b: value })).toThrow(TypeError)
  })

  test('a direct cycle', () => {
    const node: Record<string, unknown> = { a: 1 }
    node.self = node
    expect(() => canonicalize(node)).toThrow(TypeError)
    expect(() => canonicalize(node)).toThrow(/cycl/)
  })

  test('an indirect cycle through an array', () => {
    const list: unknown[] = []
    const holder = { list }
    list.push({ back: holder })
    expect(() => canonicalize(holder)).toThrow(TypeError)
  })

  test('a shared (non-cyclic) reference is fine and written twice', () => {
    const shared = { x: 1 }
    expect(canonicalize({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}')
  })

  test('512 levels are accepted, one more is a TypeError', () => {
    expect(canonicalize(nestedArrays(512))).toBe(`${'['.repeat(512)}${']'.repeat(512)}`)
    expect(() => canonicalize(nestedArrays(513))).toThrow(TypeError)
  })

  test('100,000 levels of nesting are a TypeError, never a stack overflow (RangeError)', () => {
    let deepObject: Record<string, unknown> = {}
    for (let level = 0; level < 100_000; level++) deepObject = { next: deepObject }
    for (const deep of [nestedArrays(100_000), deepObject]) {
      let thrown: unknown
      try {
        canonicalize(deep)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(TypeError)
      expect(thrown).not.toBeInstanceOf(RangeError)
      expect((thrown as Error).message).toMatch(/deeper than/)
    }
  })

  test('the canonicaliser is usable again after a throw (no state left behind)', () => {
    const node: Record<string, unknown> = {}
    node.self = node
    expect(() => canonicalize({ ok: 1, bad: node })).toThrow(TypeError)
    const shared = { x: 1 }
    expect(canonicalize([shared, shared])).toBe('[{"x":1},{"x":1}]')
  })
})

describe('properties', () => {
  /** The same object with its own members inserted in reverse order, recursively. */
  function reversedKeyOrder(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reversedKeyOrder)
    if (typeof value !== 'object' || value === null) return value
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).reverse()) {
      Object.defineProperty(out, key, {
        value: reversedKeyOrder((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }

  test('equal values in any member order give the same canonical text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalize(reversedKeyOrder(value))).toBe(canonicalize(value))
      }),
      { numRuns: 300 },
    )
  })

  test('the canonical text of a JSON value parses back to the same value (modulo -0)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalize(value))).toStrictEqual(withoutNegativeZero(value))
      }),
      { numRuns: 300 },
    )
  })

  test('the canonical text of a JSON value contains no whitespace outside strings', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Removing the strings leaves only structure, literals and numbers.
        const structure = canonicalize(value).replace(/"(?:[^"\\]|\\.)*"/g, '""')
        expect(structure).not.toMatch(/\s/)
      }),
      { numRuns: 200 },
    )
  })

  test('a flat object is {"name":value,…} with names in UTF-16 code unit order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.integer(), { noNullPrototype: true }), (record) => {
        const names = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        const expected = `{${names.map((name) => `${JSON.stringify(name)}:${String(record[name])}`).join(',')}}`
        expect(canonicalize(record)).toBe(expected)
      }),
      { numRuns: 200 },
    )
  })
})

describe('member order of repeated shapes (the sorted-keys memo)', () => {
  /** The reference: members by Object.keys, sorted, written recursively; no memo. */
  function reference(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`
    if (typeof value !== 'object' || value === null) return JSON.stringify(value)
    const record = value as Record<string, unknown>
    const names = Object.keys(record).sort()
    return `{${names.map((name) => `${JSON.stringify(name)}:${reference(record[name])}`).join(',')}}`
  }

  test('the same names in other orders, and shapes sharing a prefix, never reuse a wrong order', () => {
    const names = fc.constantFrom('a', 'b', 'c', 'aa', '10', '9', 'é', 'Z')
    const shaped = fc.array(fc.uniqueArray(names, { maxLength: 6 }), { minLength: 1, maxLength: 30 })
    fc.assert(
      fc.property(shaped, fc.integer(), (shapesInOrder, seed) => {
        // Many objects, each with one of a few key lists, in sequence and nested: memo hits and misses.
        const objects = shapesInOrder.map((keys, index) => Object.fromEntries(keys.map((key, position) => [key, seed + index * 10 + position])))
        expect(canonicalize(objects)).toBe(reference(objects))
        for (const object of objects) expect(canonicalize(object)).toBe(reference(object))
      }),
      { numRuns: 300 },
    )
  })

  test('an inherited enumerable member is not written, even right after an object that owned it', () => {
    expect(canonicalize({ a: 1, b: 2 })).toBe('{"a":1,"b":2}')
    const inheriting = Object.assign(Object.create({ b: 2 }) as Record<string, unknown>, { a: 1 })
    expect(canonicalize(inheriting)).toBe('{"a":1}')
    expect(canonicalize([{ a: 1, b: 2 }, inheriting])).toBe('[{"a":1,"b":2},{"a":1}]')
  })

  test('objects with more than 64 members or long names are written in full order too', () => {
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${99 - index}`, index]))
    expect(canonicalize(wide)).toBe(reference(wide))
    const longNames = { ['y'.repeat(100)]: 1, ['x'.repeat(100)]: 2 }
    expect(canonicalize(longNames)).toBe(reference(longNames))
    expect(canonicalize(longNames)).toBe(reference(longNames))
  })
})

describe('built-ins that would collide as {}', () => {
  test('RegExp and Error are refused; boxed primitives write as their primitive; SharedArrayBuffer as bytes', async () => {
    const { canonicalize: canon } = await import('../src/canonical-json.js')
    expect(() => canon(/a/)).toThrow(TypeError)
    expect(() => canon({ error: new Error('x') })).toThrow(TypeError)
    expect(canon(new Number(3))).toBe('3')
    expect(canon({ s: new String('ab'), b: new Boolean(false) })).toBe('{"b":false,"s":"ab"}')
    const shared = new SharedArrayBuffer(2)
    new Uint8Array(shared).set([1, 255])
    expect(canon(shared)).toBe('b"01ff"')
  })
})
