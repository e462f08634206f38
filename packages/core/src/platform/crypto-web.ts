/**
 * Hashing and random tokens through Web Crypto: the portable default (Bun, Deno, Workers, browsers).
 * Chosen by the package's `#crypto` import when the `node` condition does not apply.
 * @internal
 */

const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** Lower-case hex SHA-256 of `data` (a string is hashed as its UTF-8 bytes). */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let hex = ''
  for (const byte of digest) hex += HEX[byte]
  return hex
}

/** Web Crypto has no synchronous digest: callers use {@link sha256Hex}. */
export const sha256HexSync: ((data: string | Uint8Array) => string) | undefined = undefined

/** A random, unguessable owner token (a UUID v4). */
export function randomToken(): string {
  return crypto.randomUUID()
}

/** Which implementation this is, for tests and diagnostics. */
export const sha256Implementation = 'web-crypto'
