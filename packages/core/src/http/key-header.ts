/**
 * Parsing the `Idempotency-Key` header (IETF draft "The Idempotency-Key HTTP Header Field").
 *
 * The draft makes the value a Structured Field string (`"abc"`, with `\"` and `\\` escapes). Many
 * clients send a bare value instead (`Idempotency-Key: 8e03978e-…`, which is not even a valid
 * sf-token because it starts with a digit), so a bare value is accepted too. A field that arrives as
 * several lines, or as a comma-separated list, is one key only if every member names the same key:
 * two different keys on one request must never silently pick one of them.
 *
 * @module
 */
import { assertValidKey } from '../key.js'
import { InvalidKeyError } from '../errors.js'

/**
 * The key carried by a raw header value (repeated header lines joined with `,` as Node and the Fetch
 * `Headers` class do), or `undefined` when the header is absent. Throws {@link InvalidKeyError}
 * (HTTP 400) for an empty value, a malformed sf-string, parameters, several differing members, or a
 * key that is not 1–255 printable ASCII characters.
 *
 * @example
 * ```ts
 * parseIdempotencyKey('"abc"') // 'abc'
 * parseIdempotencyKey('abc, "abc"') // 'abc' (identical repeats are one value)
 * parseIdempotencyKey('a, b') // throws InvalidKeyError
 * ```
 */
export function parseIdempotencyKey(raw: string | undefined | null): string | undefined {
  if (raw === undefined || raw === null) return undefined
  const members = splitMembers(raw)
  const first = members[0] as string
  for (const member of members) {
    if (member !== first) {
      throw new InvalidKeyError('The Idempotency-Key header carries several different values; send exactly one key')
    }
  }
  assertValidKey(first)
  return first
}

/** Split a field value into its members, unquoting sf-strings. Every member must be non-empty. */
function splitMembers(raw: string): string[] {
  const members: string[] = []
  let index = 0
  for (;;) {
    index = skipSpace(raw, index)
    let member: string
    if (raw.charCodeAt(index) === 0x22 /* " */) {
      const parsed = readSfString(raw, index)
      member = parsed.value
      index = skipSpace(raw, parsed.end)
      if (index < raw.length && raw.charCodeAt(index) !== 0x2c /* , */) {
        throw new InvalidKeyError('The Idempotency-Key header has text after its quoted key (parameters are not accepted)')
      }
      if (member.length === 0) throw new InvalidKeyError('The idempotency key is empty')
    } else {
      const comma = raw.indexOf(',', index)
      const end = comma === -1 ? raw.length : comma
      member = trimSpace(raw.slice(index, end))
      if (member.length === 0) throw new InvalidKeyError('The idempotency key is empty')
      if (member.includes('"')) throw new InvalidKeyError('The Idempotency-Key header has a stray quote: quote the whole key as "…"')
      index = end
    }
    members.push(member)
    if (index >= raw.length) return members
    index++ // past the comma
  }
}

/** Read an sf-string starting at the opening quote; returns its value and the index after the closing quote. */
function readSfString(raw: string, start: number): { value: string; end: number } {
  let value = ''
  for (let index = start + 1; index < raw.length; index++) {
    const code = raw.charCodeAt(index)
    if (code === 0x5c /* \ */) {
      const next = raw.charCodeAt(index + 1)
      if (next !== 0x22 && next !== 0x5c) {
        throw new InvalidKeyError('The quoted idempotency key has an invalid escape (only \\" and \\\\ are allowed)')
      }
      value += raw.charAt(index + 1)
      index++
    } else if (code === 0x22) {
      return { value, end: index + 1 }
    } else {
      // Character checks (printable ASCII only) happen once, in assertValidKey, on the unquoted key.
      value += raw.charAt(index)
    }
  }
  throw new InvalidKeyError('The quoted idempotency key has no closing quote')
}

/** Optional whitespace around list members (RFC 9110 OWS: space and horizontal tab). */
function skipSpace(raw: string, index: number): number {
  while (index < raw.length && (raw.charCodeAt(index) === 0x20 || raw.charCodeAt(index) === 0x09)) index++
  return index
}

function trimSpace(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--
  return text.slice(start, end)
}
