/**
 * How a result string becomes the bytes of the item's binary `result` attribute, and back, exactly.
 *
 * Results are opaque JavaScript strings that must round-trip code unit for code unit (NUL, every
 * control character, a leading U+FEFF, even lone surrogates from a custom serializer). So:
 * - they are stored as a **binary (B)** attribute, never a string (S) one: S must be valid UTF-8, so
 *   a lone surrogate could not be stored at all;
 * - well-formed strings are stored as UTF-8 (smallest for typical JSON); a string with a lone
 *   surrogate, which UTF-8 cannot represent (TextEncoder would silently turn it into U+FFFD), is
 *   stored as UTF-16LE code units;
 * - with compression on, payloads of at least {@link COMPRESS_MIN_BYTES} are gzipped with the
 *   platform's `CompressionStream`.
 *
 * The item's `resultEncoding` attribute records which of these applies, so reading never guesses.
 *
 * @module
 */

/** How the bytes of a stored result are encoded. */
export type ResultEncoding = 'utf8' | 'utf8+gzip' | 'utf16le' | 'utf16le+gzip'

/** A result ready to be written. */
export interface EncodedResult {
  /** The attribute's bytes. */
  bytes: Uint8Array
  /** How to read them back. */
  encoding: ResultEncoding
}

/**
 * Below this many bytes gzip is skipped even when compression is on: its 18-byte header and the
 * CPU spent would outweigh the saving on small JSON results.
 */
export const COMPRESS_MIN_BYTES = 1024

const encoder = new TextEncoder()
// ignoreBOM: the default decoder silently DROPS a leading U+FEFF, which would corrupt a result that
// starts with one. fatal: corrupted bytes must fail loudly instead of replaying U+FFFD characters.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true })

/** Encode `result` for storage, gzipping it when `compress` is on and it is large enough. */
export async function encodeResult(result: string, compress: boolean): Promise<EncodedResult> {
  const wellFormed = isWellFormed(result)
  const raw = wellFormed ? encoder.encode(result) : encodeUtf16le(result)
  const base = wellFormed ? 'utf8' : 'utf16le'
  if (!compress || raw.byteLength < COMPRESS_MIN_BYTES) return { bytes: raw, encoding: base }
  return { bytes: await gzip(raw), encoding: `${base}+gzip` }
}

/** Decode stored bytes back into the exact original string. */
export async function decodeResult(bytes: Uint8Array, encoding: string): Promise<string> {
  switch (encoding) {
    case 'utf8':
      return utf8Decoder.decode(bytes)
    case 'utf8+gzip':
      return utf8Decoder.decode(await gunzip(bytes))
    case 'utf16le':
      return decodeUtf16le(bytes)
    case 'utf16le+gzip':
      return decodeUtf16le(await gunzip(bytes))
    default:
      throw new Error(`dynamodb store: unknown result encoding ${JSON.stringify(encoding)} (written by a newer version?)`)
  }
}

/** True when `text` has no lone surrogate, i.e. UTF-8 can represent it exactly. */
function isWellFormed(text: string): boolean {
  // String.prototype.isWellFormed is Node 20+; the regex keeps Node 18 runtimes correct.
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed
  if (typeof native === 'function') return native.call(text)
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)
}

function encodeUtf16le(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2)
  const view = new DataView(bytes.buffer)
  for (let index = 0; index < text.length; index++) view.setUint16(index * 2, text.charCodeAt(index), true)
  return bytes
}

function decodeUtf16le(bytes: Uint8Array): string {
  if (bytes.byteLength % 2 !== 0) throw new Error('dynamodb store: a UTF-16LE result has an odd number of bytes')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Chunked so a multi-megabyte result never exceeds the engine's argument-count limit.
  const parts: string[] = []
  const units: number[] = []
  for (let offset = 0; offset < bytes.byteLength; offset += 2) {
    units.push(view.getUint16(offset, true))
    if (units.length === 8192) parts.push(String.fromCharCode(...units.splice(0)))
  }
  parts.push(String.fromCharCode(...units))
  return parts.join('')
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new CompressionStream('gzip'))
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new DecompressionStream('gzip'))
}

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform)
  return new Uint8Array(await new Response(stream).arrayBuffer())
}
