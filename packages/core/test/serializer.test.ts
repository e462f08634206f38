/** The default result serializer: what a replay gives back, and the JSON fast path. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { jsonSerializer } from '../src/serializer.js'

function roundTrip(value: unknown): unknown {
  const text = jsonSerializer.serialize(value)
  expect(typeof text).toBe('string')
  return jsonSerializer.deserialize(text)
}

/** An own data property, even for the name `__proto__` (plain assignment would set the prototype). */
function withMember(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  return target
}

describe('round trips', () => {
  test('Date keeps its time', () => {
    const replayed = roundTrip(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)))
    expect(replayed).toBeInstanceOf(Date)
    expect((replayed as Date).toISOString()).toBe('2024-02-29T23:59:59.999Z')
  })

  test('an invalid Date stays invalid', () => {
    const replayed = roundTrip(new Date(Number.NaN))
    expect(replayed).toBeInstanceOf(Date)
    expect(Number.isNaN((replayed as Date).getTime())).toBe(true)
  })

  test('BigInt, small, negative and beyond 2^64', () => {
    for (const big of [0n, -1n, 2n ** 70n, -(10n ** 40n) - 7n]) expect(roundTrip(big)).toBe(big)
  })

  test('undefined at top level', () => {
    expect(roundTrip(undefined)).toBeUndefined()
  })

  test('undefined in an array keeps its slot', () => {
    const replayed = roundTrip([1, undefined, 3]) as unknown[]
    expect(replayed).toHaveLength(3)
    expect(1 in replayed).toBe(true)
    expect(replayed[1]).toBeUndefined()
  })

  test('an undefined member is kept, not dropped', () => {
    const replayed = roundTrip({ a: undefined, b: 1 }) as Record<string, unknown>
    expect(Object.keys(replayed)).toEqual(['a', 'b'])
    expect(replayed).toStrictEqual({ a: undefined, b: 1 })
  })

  test('NaN, Infinity and -Infinity come back as numbers', () => {
    expect(roundTrip(Number.NaN)).toBeNaN()
    expect(roundTrip(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
    expect(roundTrip([Number.NEGATIVE_INFINITY, 1])).toStrictEqual([Number.NEGATIVE_INFINITY, 1])
  })

  test('Uint8Array keeps its bytes, also past the 32 KiB chunk size of the base64 encoder', () => {
    for (const length of [0, 1, 2, 3, 0x8000, 0x8000 * 2 + 5]) {
      const bytes = Uint8Array.from({ length }, (_, index) => (index * 31 + 7) & 0xff)
      const replayed = roundTrip({ bytes }) as { bytes: Uint8Array }
      expect(replayed.bytes).toBeInstanceOf(Uint8Array)
      expect(Buffer.from(replayed.bytes).equals(Buffer.from(bytes))).toBe(true)
    }
  })

  test('Map and Set, with non-string keys and tagged values inside', () => {
    const map = new Map<unknown, unknown>([
      [1, 'one'],
      ['d', new Date(5)],
      [10n, new Set([undefined, 2n])],
    ])
    const replayed = roundTrip(map) as Map<unknown, unknown>
    expect(replayed).toBeInstanceOf(Map)
    expect([...replayed.keys()]).toStrictEqual([1, 'd', 10n])
    expect(replayed.get('d')).toStrictEqual(new Date(5))
    expect(replayed.get(10n)).toStrictEqual(new Set([undefined, 2n]))
  })

  test('nested mixes', () => {
    const value = {
      order: { id: 'o_1', total: 1999n, at: new Date(0), lines: [{ sku: 'a', note: undefined }] },
      flags: new Set(['x']),
      extra: [Number.NaN, null, { deep: new Map([['k', [new Uint8Array([1])]]]) }],
    }
    expect(roundTrip(value)).toStrictEqual(value)
  })

  test('a plain object with its own "$t" member is not mistaken for a tagged value', () => {
    for (const value of [
      { $t: 'date', v: '2020-01-01T00:00:00.000Z' },
      { $t: 'undef' },
      { $t: 'bigint', v: '5' },
      { $t: 'obj', v: { a: 1 } },
      { $t: 1, other: new Date(3) },
      { $t: { $t: 'num', v: 'NaN' } },
      [{ $t: 'set', v: [] }],
    ]) {
      expect(roundTrip(value)).toStrictEqual(value)
    }
  })

  test('strings containing "$t" stay strings', () => {
    for (const value of ['$t', '"$t"', '{"$t":"undef"}', { a: '{"$t":"bigint","v":"1"}' }, ['"$t"', { '"$t"': 1 }]]) {
      expect(roundTrip(value)).toStrictEqual(value)
    }
  })

  test('a member named __proto__ stays an own member and never becomes the prototype', () => {
    for (const needsTags of [false, true]) {
      const value = withMember({ a: needsTags ? 1n : 1 }, '__proto__', { polluted: true })
      const replayed = roundTrip(value) as Record<string, unknown>
      expect(Object.getPrototypeOf(replayed)).toBe(Object.prototype)
      expect(Object.hasOwn(replayed, '__proto__')).toBe(true)
      expect(replayed.polluted).toBeUndefined()
      expect(replayed).toStrictEqual(value)
    }
  })

  test('every replay is a fresh copy', () => {
    const text = jsonSerializer.serialize({ list: [1], at: new Date(0) })
    const first = jsonSerializer.deserialize(text) as { list: number[] }
    first.list.push(2)
    expect(jsonSerializer.deserialize(text)).toStrictEqual({ list: [1], at: new Date(0) })
  })
})

describe('other values, as JSON would serialise them', () => {
  test('class identity is lost, own enumerable members are kept', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    expect(roundTrip(new Point(1, 2))).toStrictEqual({ x: 1, y: 2 })
  })

  test('functions and symbols are dropped as members, null in arrays, undefined at top level', () => {
    expect(roundTrip({ a: 1, f: () => 1, s: Symbol('s') })).toStrictEqual({ a: 1 })
    expect(roundTrip([() => 1, Symbol('s'), 1])).toStrictEqual([null, null, 1])
    expect(roundTrip(() => 1)).toBeUndefined()
    expect(roundTrip(Symbol('s'))).toBeUndefined()
    // The same with something that needs tagging alongside (the slow path).
    expect(roundTrip({ a: 1n, f: () => 1 })).toStrictEqual({ a: 1n })
    expect(roundTrip([() => 1, 1n])).toStrictEqual([null, 1n])
  })

  test('toJSON is honoured', () => {
    expect(roundTrip({ money: { toJSON: () => ({ amount: 1, currency: 'EUR' }) } })).toStrictEqual({
      money: { amount: 1, currency: 'EUR' },
    })
    expect(roundTrip({ toJSON: () => 'x' })).toBe('x')
  })

  test('what toJSON returns round-trips too (BigInt, Date, "$t" members)', () => {
    expect(roundTrip({ toJSON: () => 5n })).toBe(5n)
    expect(roundTrip({ toJSON: () => ({ $t: 'bigint', v: '5' }) })).toStrictEqual({ $t: 'bigint', v: '5' })
    expect(roundTrip([{ toJSON: () => ({ at: new Date(7) }) }])).toStrictEqual([{ at: new Date(7) }])
  })

  test('an array hole replays as undefined', () => {
    // eslint-disable-next-line no-sparse-arrays
    const replayed = roundTrip([1n, , 3]) as unknown[]
    expect(replayed).toHaveLength(3)
    expect(1 in replayed).toBe(true)
    expect(replayed[1]).toBeUndefined()
  })

  test('-0 comes back as 0 (JSON has no -0)', () => {
    expect(Object.is(roundTrip(-0), 0)).toBe(true)
  })
})

describe('fast path', () => {
  test('plain JSON data is exactly JSON.stringify', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value)
        fc.pre(!text.includes('"$t"'))
        expect(jsonSerializer.serialize(value)).toBe(text)
        expect(jsonSerializer.deserialize(text)).toStrictEqual(JSON.parse(text))
      }),
      { numRuns: 200 },
    )
  })
})

describe('cycles are a TypeError, never a stack overflow', () => {
  function expectTypeError(value: unknown): void {
    let thrown: unknown
    try {
      jsonSerializer.serialize(value)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect(thrown).not.toBeInstanceOf(RangeError)
  }

  test('a plain cycle', () => {
    const node: Record<string, unknown> = { a: 1 }
    node.self = node
    expectTypeError(node)
    const list: unknown[] = [1]
    list.push(list)
    expectTypeError(list)
  })

  test('a cycle next to a value that needs tagging', () => {
    const node: Record<string, unknown> = { at: new Date(0) }
    node.self = node
    expectTypeError(node)
    const list: unknown[] = [1n]
    list.push({ back: list })
    expectTypeError(list)
  })

  test('a cycle through a Map or a Set', () => {
    const map = new Map<string, unknown>()
    map.set('me', map)
    expectTypeError(map)
    const set = new Set<unknown>()
    set.add({ set })
    expectTypeError({ set })
  })

  test('a toJSON that returns its own object', () => {
    const selfish = {
      toJSON(): unknown {
        return selfish
      },
    }
    expectTypeError(selfish)
  })

  test('shared (non-cyclic) references are fine', () => {
    const shared = { at: new Date(1) }
    expect(roundTrip({ a: shared, b: [shared] })).toStrictEqual({ a: shared, b: [shared] })
  })
})

describe('property: every supported value round-trips', () => {
  const key = fc.oneof(fc.string(), // (No 'constructor': an own member of that name confuses toStrictEqual's class check.)
    fc.constantFrom('$t', 'v', '__proto__', 'toJSON'))
  const leafArb = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double().map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.string(),
    fc.constantFrom('$t', '"$t"', '{"$t":"undef"}'),
    fc.bigInt(),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 32 }),
  )
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafArb,
      fc.array(tie('value'), { maxLength: 5 }),
      fc
        .array(fc.tuple(key, tie('value')), { maxLength: 5 })
        .map((entries) => entries.reduce<Record<string, unknown>>((out, [name, member]) => withMember(out, name, member), {})),
      fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
      fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
    ),
  }))

  test('serialize then deserialize gives a deep-equal value', () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(roundTrip(input)).toStrictEqual(input)
      }),
      { numRuns: 250 },
    )
  })

  test('fast-check anything() restricted to supported types', () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: false,
      withBoxedValues: false,
      withTypedArray: false,
      withSparseArray: false,
      values: [fc.string(), fc.integer(), fc.double().map((n) => (Object.is(n, -0) ? 0 : n)), fc.boolean(), fc.constant(null), fc.constant(undefined)],
    })
    fc.assert(
      fc.property(anything, (input) => {
        expect(roundTrip(input)).toStrictEqual(input)
      }),
      { numRuns: 200 },
    )
  })
})
