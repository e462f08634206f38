/**
 * How results are turned into the opaque string a store keeps, and back.
 *
 * The default, {@link jsonSerializer}, is JSON extended so that the values a function commonly
 * returns come back as the same type on replay:
 * | value | replays as |
 * | --- | --- |
 * | JSON values | the same JSON values (a fresh copy each replay) |
 * | `Date` | a `Date` with the same time (an invalid `Date` stays invalid) |
 * | `BigInt` | the same `BigInt` |
 * | `undefined` (top level, in arrays, as an object member) | `undefined` (members are kept, not dropped) |
 * | `NaN`, `Infinity`, `-Infinity` | the same number |
 * | `Uint8Array` | a `Uint8Array` with the same bytes |
 * | `Map`, `Set` | a `Map` / `Set` with the entries serialised by these rules |
 *
 * Other objects are serialised as JSON would (own enumerable members, `toJSON()` honoured and its
 * result serialised by these rules, class identity lost); functions and symbols are dropped as JSON
 * drops them; an array hole replays as `undefined`; a cycle is a `TypeError`. `-0` replays as `0`.
 * Tagged values are objects with a `"$t"` member; a plain object that itself has a `"$t"` member is
 * escaped, so any input round-trips.
 *
 * @module
 */
import { fromBase64, toBase64 } from './base64.js'

/** Turns results into strings for the store and back. */
export interface Serializer {
  /** The stored form of `value`. */
  serialize(value: unknown): string
  /** The value back from its stored form. */
  deserialize(text: string): unknown
}

const TAG = '$t'

function needsTagging(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'number':
      return !Number.isFinite(value)
    case 'bigint':
    case 'undefined':
      return true
    case 'object': {
      if (value === null) return false
      if (value instanceof Date || value instanceof Uint8Array || value instanceof Map || value instanceof Set) return true
      if (seen.has(value)) throw new TypeError('Cannot serialise a cyclic result')
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          for (const item of value) if (needsTagging(item, seen)) return true
          return false
        }
        // What toJSON returns may itself need tags (a BigInt, a "$t" member): take the slow path,
        // which calls toJSON once and encodes its result, instead of trusting JSON.stringify with it.
        if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue
          if (key === TAG) return true
          if (needsTagging((value as Record<string, unknown>)[key], seen)) return true
        }
        return false
      } finally {
        seen.delete(value)
      }
    }
    default:
      return false
  }
}

/**
 * The JSON-ready form of `value`. `ancestors` holds the objects being encoded: needsTagging stops at
 * the first value that needs a tag, so a cycle behind it is only met here, where it would otherwise
 * overflow the stack (a RangeError) instead of the documented TypeError.
 */
function encode(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : { [TAG]: 'num', v: String(value) }
    case 'bigint':
      return { [TAG]: 'bigint', v: value.toString() }
    case 'undefined':
      return { [TAG]: 'undef' }
    case 'object': {
      if (value === null) return null
      if (value instanceof Date) return { [TAG]: 'date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() }
      if (value instanceof Uint8Array) return { [TAG]: 'bytes', v: toBase64(value) }
      if (ancestors.has(value)) throw new TypeError('Cannot serialise a cyclic result')
      ancestors.add(value)
      try {
        return encodeContainer(value, ancestors)
      } finally {
        ancestors.delete(value)
      }
    }
    default:
      return value
  }
}

function encodeContainer(value: object, ancestors: Set<object>): unknown {
  if (value instanceof Map) return { [TAG]: 'map', v: Array.from(value, ([k, v]) => [encode(k, ancestors), encode(v, ancestors)]) }
  if (value instanceof Set) return { [TAG]: 'set', v: Array.from(value, (item) => encode(item, ancestors)) }
  if (Array.isArray(value)) {
    // Array.from visits holes as undefined (Array#map would skip them and JSON would write null).
    return Array.from(value, (item: unknown) => (typeof item === 'function' || typeof item === 'symbol' ? null : encode(item, ancestors)))
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return encode(toJSON.call(value), ancestors)
  const out: Record<string, unknown> = {}
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const member = (value as Record<string, unknown>)[key]
    if (typeof member === 'function' || typeof member === 'symbol') continue
    setMember(out, key, encode(member, ancestors))
  }
  return Object.hasOwn(out, TAG) ? { [TAG]: 'obj', v: out } : out
}

/**
 * `out[key] = value` as an own data member. Plain assignment to `__proto__` would set the prototype
 * instead: the member would vanish from the stored JSON and, on replay, the object would inherit
 * from attacker-shaped data.
 */
function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

function decode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(decode)
  const record = value as Record<string, unknown>
  const tag = record[TAG]
  if (typeof tag === 'string') {
    switch (tag) {
      case 'num':
        return Number(record.v)
      case 'bigint':
        return BigInt(record.v as string)
      case 'undef':
        return undefined
      case 'date':
        return new Date(record.v === null ? Number.NaN : (record.v as string))
      case 'bytes':
        return fromBase64(record.v as string)
      case 'map':
        return new Map((record.v as [unknown, unknown][]).map(([k, v]) => [decode(k), decode(v)]))
      case 'set':
        return new Set((record.v as unknown[]).map(decode))
      case 'obj':
        return decodeMembers(record.v as Record<string, unknown>)
    }
  }
  return decodeMembers(record)
}

function decodeMembers(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(record)) setMember(out, key, decode(record[key]))
  return out
}


/**
 * The default serializer: JSON, extended so `Date`, `BigInt`, `undefined`, non-finite numbers,
 * `Uint8Array`, `Map` and `Set` round-trip (see the module documentation). Plain JSON data takes
 * the fast path: one `JSON.stringify` / `JSON.parse`.
 */
export const jsonSerializer: Serializer = {
  serialize(value: unknown): string {
    // JSON.stringify answers undefined (not a string) for a bare function or symbol: store it as undefined.
    const text = needsTagging(value, new Set()) ? JSON.stringify(encode(value, new Set())) : JSON.stringify(value)
    return text ?? JSON.stringify(encode(undefined, new Set()))
  },
  deserialize(text: string): unknown {
    const parsed: unknown = JSON.parse(text)
    return text.includes(`"${TAG}"`) ? decode(parsed) : parsed
  },
}
