/**
 * Request fingerprints: SHA-256 (lower-case hex) of a canonical form of the request, so a retry of
 * the same request matches and a different request under the same key is detected.
 *
 * - Raw bytes (`Uint8Array`, any typed array, `ArrayBuffer`) are hashed as they are.
 * - Every other value is hashed as its canonical text (RFC 8785 for JSON values; see
 *   {@link canonicalize} for `undefined`, `Date`, `BigInt`, `NaN`, cycles and the rest).
 *
 * @module
 */
import { sha256Hex, sha256HexSync } from '#crypto'
import { canonicalize } from './canonical-json.js'

/**
 * Fingerprint of `value`: hex SHA-256 of its raw bytes (for byte input) or of its canonical text.
 * Throws a `TypeError` for values that cannot be fingerprinted (cycles, functions, `Map`, …).
 *
 * @example
 * ```ts
 * await fingerprint({ amount: 100, currency: 'EUR' }) === await fingerprint({ currency: 'EUR', amount: 100 }) // true
 * ```
 */
export async function fingerprint(value: unknown): Promise<string> {
  if (value instanceof Uint8Array) return sha256Hex(value)
  if (ArrayBuffer.isView(value)) return sha256Hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  if (value instanceof ArrayBuffer) return sha256Hex(new Uint8Array(value))
  return sha256Hex(canonicalize(value))
}

/**
 * The same fingerprint computed synchronously where the platform hashes synchronously
 * (`node:crypto`), or `undefined` (Web Crypto): the engine's hot path skips a few promise hops.
 * @internal
 */
export function fingerprintNow(value: unknown): string | undefined {
  if (sha256HexSync === undefined) return undefined
  if (value instanceof Uint8Array) return sha256HexSync(value)
  if (ArrayBuffer.isView(value)) return sha256HexSync(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  if (value instanceof ArrayBuffer) return sha256HexSync(new Uint8Array(value))
  return sha256HexSync(canonicalize(value))
}

export { sha256Hex }
