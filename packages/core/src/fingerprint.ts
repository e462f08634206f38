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
  return sha256Hex(hashInput(value))
}

/**
 * The same fingerprint computed synchronously where the platform hashes synchronously
 * (`node:crypto`), or `undefined` (Web Crypto): the engine's hot path skips a few promise hops.
 * @internal
 */
export function fingerprintNow(value: unknown): string | undefined {
  return sha256HexSync === undefined ? undefined : sha256HexSync(hashInput(value))
}

/** What a fingerprint hashes: the bytes of byte input, else the canonical text. */
function hashInput(value: unknown): string | Uint8Array {
  if (value instanceof Uint8Array) return value
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  return canonicalize(value)
}

export { sha256Hex }
