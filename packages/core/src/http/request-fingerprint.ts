/**
 * The default fingerprint of an HTTP request: what makes a retry "the same request".
 *
 * It covers the method, the route (the matched route pattern and its path parameters when the
 * framework knows them, else the URL path), the scope, any `fingerprintHeaders`, and the body:
 * - a JSON body (`application/json` or `application/*+json`) that parses is hashed as its RFC 8785
 *   canonical form, so key order and whitespace do not matter;
 * - any other body, and JSON that does not parse (malformed, invalid UTF-8, nested too deep), is
 *   hashed as its raw bytes. Nothing here throws on client input.
 *
 * The query string is NOT part of it: `/payments?x=1` and `/payments` are the same request unless
 * the app supplies its own `fingerprint` (the route, not the raw URL, names the operation).
 *
 * @module
 */
import { fingerprint, fingerprintNow, sha256Hex } from '../fingerprint.js'
import type { HttpRequest, RequestBody } from './types.js'

const FORMAT = 'idemkit-http/1'
const JSON_TYPE = /^\s*application\/(?:[^;\s]*\+)?json\s*(?:;|$)/i
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/** A fingerprint without promise hops where the platform hashes synchronously (Node). */
async function fingerprintValue(value: unknown): Promise<string> {
  return fingerprintNow(value) ?? fingerprint(value)
}

/** What the default fingerprint covers besides the request itself. */
export interface FingerprintParts {
  /** The request's scope (tenant), if any. */
  scope: string | undefined
  /** Lower-case names of headers whose values are part of the fingerprint. */
  headers: readonly string[]
}

/** The default fingerprint of `request` (hex SHA-256). */
export async function requestFingerprint(request: HttpRequest, parts: FingerprintParts): Promise<string> {
  const body = await bodyDigest(await request.readBody(), request.header('content-type'))
  const headers = parts.headers.map((name) => [name, request.header(name) ?? null])
  return fingerprintValue([
    FORMAT,
    request.method.toUpperCase(),
    request.route,
    request.params ?? {},
    parts.scope ?? null,
    headers,
    body,
  ])
}

/** The fingerprint of a user-supplied fingerprint value, kept apart from default fingerprints. */
export async function customFingerprint(value: unknown): Promise<string> {
  return fingerprintValue([`${FORMAT}/custom`, value])
}

/** `json:<hash>` of the canonical JSON, or `raw:<hash>` of the bytes. */
async function bodyDigest(body: RequestBody, contentType: string | undefined): Promise<string> {
  if ('bytes' in body) return bytesDigest(body.bytes, contentType)
  const { parsed } = body
  if (parsed === undefined || parsed === null) return bytesDigest(new Uint8Array(0), contentType)
  if (parsed instanceof Uint8Array) return bytesDigest(parsed, contentType)
  if (typeof parsed === 'string') return bytesDigest(encoder.encode(parsed), contentType)
  // A parser (express.json, express.urlencoded) consumed the stream and kept no bytes: its value is
  // the best description of the body left. express.json() yields the same canonical form as the raw
  // JSON bytes would, so the fingerprint does not depend on which way the body was read.
  try {
    return `json:${await fingerprintValue(parsed)}`
  } catch {
    return `raw:${await sha256Hex(String(parsed))}`
  }
}

async function bytesDigest(bytes: Uint8Array, contentType: string | undefined): Promise<string> {
  if (bytes.length > 0 && contentType !== undefined && JSON_TYPE.test(contentType)) {
    try {
      return `json:${await fingerprintValue(JSON.parse(strictUtf8.decode(bytes)))}`
    } catch {
      // Malformed JSON, invalid UTF-8, or nesting beyond the canonicaliser's limit: the raw bytes
      // still identify the request, so fall back to them instead of failing it.
    }
  }
  return `raw:${await sha256Hex(bytes)}`
}
