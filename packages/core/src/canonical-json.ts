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
 * Cycles, functions, symbols, `Map`, `Set`, `WeakMap`, `WeakSet`, `WeakRef`, `Promise`, `RegExp` and `Error`
 * are a `TypeError`
 * (silently dropping them, as `JSON.stringify` does, would make different requests look equal).
 * Nesting deeper than 512 levels is a `TypeError` rather than a stack overflow.
 *
 * @module
 */

const MAX_DEPTH = 512
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))
/** Characters JSON.stringify escapes (or must escape as lone surrogates): absent from most strings. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/
/**
 * The text written before each member's value, memoised by name: payloads repeat the same few names
 * in every object, and quoting a name (an escape check plus concatenation) was a measurable share of
 * fingerprinting cost. Each name has four forms (first or later member; any value or a string value,
 * whose opening quote is included), so writing a member makes two or three strings instead of five.
 */
interface MemberLead {
  /** `"name":` */
  readonly first: string
  /** `,"name":` */
  readonly next: string
  /** `"name":"` */
  readonly firstString: string
  /** `,"name":"` */
  readonly nextString: string
}
const memberLeads = new Map<string, MemberLead>()
const MAX_MEMBER_LEADS = 4_096
/**
 * Only short names are memoised (as leads, or in a shape's member lists): names come from request
 * bodies, and long unique ones must not pin memory.
 */
const MAX_MEMO_NAME_LENGTH = 64

/** Canonical text of `value`; see the module documentation for every rule. */
export function canonicalize(value: unknown): string {
  return write(value, [])
}

/** A string as RFC 8785 writes it: JSON.stringify's escaping, skipped when nothing needs escaping. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`
}

function leadOf(key: string): MemberLead {
  let lead = memberLeads.get(key)
  if (lead === undefined) {
    const first = `${quote(key)}:`
    lead = { first, next: `,${first}`, firstString: `${first}"`, nextString: `,${first}"` }
    if (memberLeads.size < MAX_MEMBER_LEADS && key.length <= MAX_MEMO_NAME_LENGTH) memberLeads.set(key, lead)
  }
  return lead
}

// `ancestors` is the stack of objects being written: a cycle is an object already on it. An array
// beats a Set here because real payloads are shallow (a few levels) and it allocates nothing per call.
function write(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value)
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
      return writeObject(value, ancestors)
    default:
      throw new TypeError(`Cannot fingerprint a ${typeof value}${where(ancestors)}`)
  }
}

/** A plain object: its prototype is Object.prototype or null (no built-in has either). */
function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

// `open` is how a plain object's text starts: `{`, or `,{` when an array writes it after a comma
// (only ever passed for a plain object: other values ignore it).
function writeObject(value: object, ancestors: object[], open = '{'): string {
  if (ancestors.length >= MAX_DEPTH) throw new TypeError(`Cannot fingerprint a value nested deeper than ${MAX_DEPTH} levels`)
  if (ancestors.includes(value)) throw new TypeError(`Cannot fingerprint a cyclic structure${where(ancestors)}`)
  // Plain objects (the bulk of any request body) skip the dozen built-in checks below: none of those
  // built-ins has Object.prototype (or null) as its prototype.
  if (isPlain(value)) return writeMembers(value as Record<string, unknown>, ancestors, open)
  if (Array.isArray(value)) {
    ancestors.push(value)
    let out = '['
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index]
      // A plain object starts its own text with the comma: one string less per element.
      if (index > 0 && typeof item === 'object' && item !== null && isPlain(item)) out += writeObject(item, ancestors, ',{')
      else out += index > 0 ? `,${write(item, ancestors)}` : write(item, ancestors)
    }
    ancestors.pop()
    return `${out}]`
  }
  if (ArrayBuffer.isView(value)) return bytesToken(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  if (value instanceof ArrayBuffer) return bytesToken(new Uint8Array(value))
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`Cannot fingerprint an invalid Date${where(ancestors)}`)
    return `"${value.toISOString()}"`
  }
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) return bytesToken(new Uint8Array(value))
  // Boxed primitives fingerprint as their primitive, as JSON.stringify writes them.
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return write(value.valueOf(), ancestors)
  // Built-ins whose state lives in internal slots would all write as `{}` and collide
  // (fingerprint(/a/) === fingerprint(/b/)): refuse them, as JSON cannot carry them either.
  if (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof Promise ||
    value instanceof RegExp ||
    value instanceof Error ||
    (typeof WeakRef !== 'undefined' && value instanceof WeakRef)
  ) {
    throw new TypeError(`Cannot fingerprint a ${value.constructor.name}${where(ancestors)}: convert it to a plain object, array or string first`)
  }
  return writeMembers(value as Record<string, unknown>, ancestors)
}

/** An object written through its `toJSON()` if it has one, else as its own enumerable members, sorted. */
function writeMembers(record: Record<string, unknown>, ancestors: object[], open = '{'): string {
  ancestors.push(record)
  const toJSON = record.toJSON
  if (typeof toJSON === 'function') {
    const text = write(toJSON.call(record), ancestors)
    ancestors.pop()
    return open === '{' ? text : `,${text}`
  }
  const keys = sortedKeysOf(record)
  let out = open
  let first = true
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string
    const member = record[key]
    if (member === undefined) continue
    const lead = leadOf(key)
    if (typeof member === 'string' && !NEEDS_ESCAPE.test(member)) out += `${first ? lead.firstString : lead.nextString}${member}"`
    else out += (first ? lead.first : lead.next) + write(member, ancestors)
    first = false
  }
  ancestors.pop()
  // (No try/finally: a throw abandons the whole call, and every call starts with a fresh stack.)
  return `${out}}`
}

/**
 * Sorted member lists of the object shapes seen last, by their unsorted (own-key) order: a payload
 * repeats a few shapes (line items, addresses, the fingerprint's own head), and comparing a short
 * list costs less than sorting it again, which also allocated a copy and a sort buffer per object
 * (after `Object.keys`, most of the garbage a fingerprint made). Replaced round-robin.
 */
const shapes: Array<{ unsorted: string[]; sorted: string[] }> = []
const MAX_SHAPES = 16
let nextShape = 0
/** Objects with more members (or longer names) are not kept: they would pin memory between calls. */
const MAX_MEMO_KEYS = 64

/** The own enumerable string keys of `record` in RFC 8785 member order (UTF-16 code units, never a locale). */
function sortedKeysOf(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record)
  if (keys.length > MAX_MEMO_KEYS) return sortKeys(keys)
  for (let index = 0; index < shapes.length; index++) {
    const shape = shapes[index] as { unsorted: string[]; sorted: string[] }
    if (sameList(keys, shape.unsorted)) return shape.sorted
  }
  if (isSorted(keys)) return keys
  for (const key of keys) if (key.length > MAX_MEMO_NAME_LENGTH) return keys.sort()
  const sorted = keys.slice().sort()
  shapes[nextShape] = { unsorted: keys, sorted }
  nextShape = (nextShape + 1) % MAX_SHAPES
  return sorted
}

/** `keys` sorted in place (skipped when already in order), and returned. */
function sortKeys(keys: string[]): string[] {
  return isSorted(keys) ? keys : keys.sort()
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

function isSorted(keys: string[]): boolean {
  for (let index = 1; index < keys.length; index++) if ((keys[index - 1] as string) > (keys[index] as string)) return false
  return true
}

/** Where in the value an error happened, as a depth (paths are not tracked: that would cost every call). */
function where(ancestors: object[]): string {
  return ancestors.length === 0 ? '' : ` (at depth ${ancestors.length})`
}

function bytesToken(bytes: Uint8Array): string {
  let hex = 'b"'
  for (let index = 0; index < bytes.length; index++) hex += HEX[bytes[index] as number]
  return `${hex}"`
}
