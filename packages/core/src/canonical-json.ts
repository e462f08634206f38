/**
 * Canonical text of a JavaScript value, the input of a fingerprint.
 *
 * For JSON values this is RFC 8785 (JSON Canonicalization Scheme): no whitespace, object members
 * sorted by their UTF-16 code units (as RFC 8785 §3.2.3 specifies: a plain comparison, never a
 * locale), strings escaped as ECMAScript `JSON.stringify` does, numbers as ECMAScript
 * `Number#toString` (so `-0` is `0`). Unicode is NOT normalised: `"é"` written as one code point and
 * as `e` + combining accent are different bytes, so different requests.
 *
 * Values JSON cannot carry get a bare token that no JSON text contains, so they never collide with a
 * JSON value:
 * | value | canonical text |
 * | --- | --- |
 * | `undefined` at top level or in an array | `undefined` (an object member whose value is `undefined` is omitted, as on the wire) |
 * | `NaN`, `Infinity`, `-Infinity` | `NaN`, `Infinity`, `-Infinity` |
 * | `BigInt` | its decimal digits followed by `n`, e.g. `12n` |
 * | `Uint8Array`, any typed array, `DataView`, `ArrayBuffer` | `b"…"`: the viewed bytes in hex |
 * | object with `toJSON()` (e.g. `Date`) | the canonical text of what `toJSON()` returns (a `Date` becomes its ISO string, as on the wire; an invalid `Date` is a `TypeError`) |
 *
 * Cycles, functions, symbols, `Map`, `Set`, `WeakMap`, `WeakSet` and `Promise` are a `TypeError`
 * (silently dropping them, as `JSON.stringify` does, would make different requests look equal).
 * Nesting deeper than 512 levels is a `TypeError` rather than a stack overflow.
 *
 * @module
 */

const MAX_DEPTH = 512
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** Canonical text of `value`; see the module documentation for every rule. */
export function canonicalize(value: unknown): string {
  return write(value, new Set<object>(), 0, '$')
}

function write(value: unknown, ancestors: Set<object>, depth: number, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      // String(n) is ECMAScript Number#toString, which RFC 8785 adopts: -0 prints as "0". Non-finite
      // numbers print as the bare tokens NaN / Infinity / -Infinity, which no JSON text contains.
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
      return 'undefined'
    case 'bigint':
      return `${value.toString()}n`
    case 'object':
      if (value === null) return 'null'
      return writeObject(value, ancestors, depth, path)
    default:
      throw new TypeError(`Cannot fingerprint a ${typeof value} at ${path}`)
  }
}

function writeObject(value: object, ancestors: Set<object>, depth: number, path: string): string {
  if (depth >= MAX_DEPTH) throw new TypeError(`Cannot fingerprint a value nested deeper than ${MAX_DEPTH} levels (at ${path})`)
  if (ArrayBuffer.isView(value)) return bytesToken(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  if (value instanceof ArrayBuffer) return bytesToken(new Uint8Array(value))
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`Cannot fingerprint an invalid Date at ${path}`)
    return JSON.stringify(value.toISOString())
  }
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise) {
    throw new TypeError(`Cannot fingerprint a ${value.constructor.name} at ${path}: convert it to an object or array first`)
  }
  if (ancestors.has(value)) throw new TypeError(`Cannot fingerprint a cyclic structure (cycle at ${path})`)
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    ancestors.add(value)
    try {
      return write(toJSON.call(value), ancestors, depth + 1, path)
    } finally {
      ancestors.delete(value)
    }
  }
  ancestors.add(value)
  try {
    if (Array.isArray(value)) {
      let out = '['
      for (let index = 0; index < value.length; index++) {
        if (index > 0) out += ','
        out += write(value[index], ancestors, depth + 1, `${path}[${index}]`)
      }
      return `${out}]`
    }
    const record = value as Record<string, unknown>
    // Default sort compares UTF-16 code units: exactly RFC 8785's member order, locale-independent.
    const keys = Object.keys(record).sort()
    let out = '{'
    let first = true
    for (const key of keys) {
      const member = record[key]
      if (member === undefined) continue
      if (!first) out += ','
      first = false
      out += `${JSON.stringify(key)}:${write(member, ancestors, depth + 1, `${path}.${key}`)}`
    }
    return `${out}}`
  } finally {
    ancestors.delete(value)
  }
}

function bytesToken(bytes: Uint8Array): string {
  let hex = 'b"'
  for (let index = 0; index < bytes.length; index++) hex += HEX[bytes[index] as number]
  return `${hex}"`
}
