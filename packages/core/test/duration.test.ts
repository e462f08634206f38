/** Durations as users write them (`ttl: '24h'`, `lease: '30s'`, `lease: 1500`). */
import { describe, expect, test } from 'vitest'
import { toMilliseconds } from '../src/duration.js'

describe('toMilliseconds', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    [1500, 1500],
    [1, 1],
  ] as const)('%j → %d ms', (duration, ms) => {
    expect(toMilliseconds(duration, 'ttl')).toBe(ms)
  })

  test('decimals', () => {
    expect(toMilliseconds('1.5s', 'lease')).toBe(1_500)
    expect(toMilliseconds('0.5m', 'lease')).toBe(30_000)
    expect(toMilliseconds('2.25h', 'lease')).toBe(8_100_000)
    expect(toMilliseconds('0.5d', 'ttl')).toBe(43_200_000)
  })

  test('fractions of a millisecond are rounded to whole milliseconds', () => {
    expect(toMilliseconds('1.4ms', 'lease')).toBe(1)
    expect(toMilliseconds('2.5ms', 'lease')).toBe(3)
    expect(toMilliseconds(1500.6, 'lease')).toBe(1501)
    expect(toMilliseconds('0.0015s', 'lease')).toBe(2)
  })

  test('spaces around and between number and unit', () => {
    expect(toMilliseconds('30 s', 'lease')).toBe(30_000)
    expect(toMilliseconds('  24h  ', 'ttl')).toBe(86_400_000)
    expect(toMilliseconds(' 7 d ', 'ttl')).toBe(604_800_000)
  })

  test.each([
    [0],
    [-1],
    [-1500],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['0s'],
    ['0ms'],
    ['-5s'],
    ['abc'],
    ['10w'],
    [''],
    ['   '],
    ['30'],
    ['s'],
    ['30S'],
    ['1e3s'],
    ['.5s'],
    ['5 m s'],
    ['Infinityh'],
  ])('rejects %s with a RangeError naming the option', (duration) => {
    expect(() => toMilliseconds(duration as never, 'lease')).toThrow(RangeError)
    expect(() => toMilliseconds(duration as never, 'lease')).toThrow(/^lease/)
  })

  test('a positive duration that rounds to 0 ms is rejected, never turned into a zero lease or ttl', () => {
    // A zero lease would make every in-progress record dead on arrival: any duplicate would run
    // the side effect again.
    for (const tiny of ['0.4ms', '0.0001s', 0.2]) {
      expect(() => toMilliseconds(tiny as never, 'lease')).toThrow(RangeError)
    }
  })
})
