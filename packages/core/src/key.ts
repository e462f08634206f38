/**
 * Idempotency keys and storage keys.
 *
 * A user key is 1–255 printable ASCII characters (0x20–0x7E) with no leading or trailing space:
 * what the IETF draft allows inside an sf-string, and what every store can hold. A scope (tenant,
 * account, API key) is prefixed so one tenant's key can never read another tenant's record.
 *
 * @module
 */
import { InvalidKeyError } from './errors.js'

/** Longest accepted idempotency key, in characters. */
export const MAX_KEY_LENGTH = 255

/**
 * Throws {@link InvalidKeyError} unless `key` is a valid idempotency key: a string of 1–255
 * printable ASCII characters (0x20–0x7E) that does not start or end with a space.
 */
export function assertValidKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(`The idempotency key must be a string, got ${typeof key}`)
  if (key.length === 0) throw new InvalidKeyError('The idempotency key is empty')
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidKeyError(`The idempotency key is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`)
  }
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index)
    if (code < 0x20 || code > 0x7e) {
      throw new InvalidKeyError(
        `The idempotency key contains a character outside printable ASCII (code ${code} at position ${index})`,
      )
    }
  }
  if (key.charCodeAt(0) === 0x20 || key.charCodeAt(key.length - 1) === 0x20) {
    throw new InvalidKeyError('The idempotency key must not start or end with a space')
  }
}

/**
 * The key under which a record is stored: `<scope>:<key>`, with `%` and `:` in the scope
 * percent-encoded so the first `:` always ends the scope (scope `a:b` + key `c` can never equal
 * scope `a` + key `b:c`). An absent scope is the empty string, so unscoped keys start with `:`.
 */
export function storageKey(key: string, scope?: string): string {
  if (scope === undefined || scope === '') return `:${key}`
  return `${scope.replace(/[%:]/g, (char) => (char === '%' ? '%25' : '%3A'))}:${key}`
}
