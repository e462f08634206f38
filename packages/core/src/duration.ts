/**
 * Durations as users write them: a number of milliseconds, or a string such as `'500ms'`, `'30s'`,
 * `'15m'`, `'24h'`, `'7d'`.
 *
 * @module
 */

/** A duration: milliseconds as a number, or a string like `'30s'`, `'24h'`, `'7d'`. */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`

/** Units accepted in a duration string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/

/**
 * Milliseconds in `duration`, rounded to a whole number. Throws a `RangeError` naming `what` for
 * anything that is not a finite duration of at least 1 ms (after rounding).
 *
 * @example
 * ```ts
 * toMilliseconds('24h', 'ttl') // 86_400_000
 * ```
 */
export function toMilliseconds(duration: Duration | string, what: string): number {
  let ms: number
  if (typeof duration === 'number') {
    ms = duration
  } else {
    const match = PATTERN.exec(duration)
    if (match === null) {
      throw new RangeError(`${what}: "${duration}" is not a duration (use milliseconds or e.g. "30s", "15m", "24h", "7d")`)
    }
    ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit]
  }
  // Checked after rounding: '0.4ms' is positive but rounds to a 0 ms lease or ttl, which would make
  // every record dead on arrival (a duplicate would run the side effect again).
  const rounded = Math.round(ms)
  if (!Number.isFinite(rounded) || rounded < 1) {
    throw new RangeError(`${what} must be a positive duration of at least 1 ms, got ${String(duration)}`)
  }
  return rounded
}
