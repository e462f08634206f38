/**
 * Base64 without `Buffer`: `btoa`/`atob` exist on every runtime we target (Node ≥ 16, Bun, Deno,
 * Workers); `Buffer` does not. Used to store bytes inside JSON (serialised results, binary
 * response bodies).
 *
 * @module
 */

/** Bytes per `String.fromCharCode` call: spreading a larger array overflows the argument limit. */
const CHUNK = 0x8000

/** Standard base64 of `bytes`. @internal */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let offset = 0; offset < bytes.length; offset += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + CHUNK))
  }
  return btoa(binary)
}

/** The bytes of standard base64 `text`. @internal */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}
