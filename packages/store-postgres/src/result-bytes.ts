/**
 * Results travel as the UTF-8 bytes of the serialised string, stored in a `bytea` column, because
 * PostgreSQL `text` cannot hold NUL (U+0000) and a result must come back byte for byte.
 *
 * @module
 */

const encoder = new TextEncoder()
// ignoreBOM: a result that starts with U+FEFF must keep it; the default decoder silently strips a
// leading byte-order mark, which would change the replayed bytes.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * The UTF-8 bytes of `result`. Well-formed strings round-trip exactly; a lone surrogate (not valid
 * Unicode, never produced by `JSON.stringify`) becomes U+FFFD, as in every UTF-8 store.
 */
export function resultToBytes(result: string): Uint8Array {
  return encoder.encode(result)
}

/** The string a stored `bytea` value holds. Drivers return a `Buffer` or a `Uint8Array`. */
export function bytesToResult(value: unknown): string {
  if (value instanceof Uint8Array) return decoder.decode(value)
  throw new TypeError(`postgres store: expected the result column as bytes, got ${typeof value}`)
}
