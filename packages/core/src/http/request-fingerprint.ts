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
import { rememberJson } from './request-body.js'
import type { HttpRequest, RequestBody } from './types.js'

const FORMAT = 'idemkit-http/2'
const JSON_TYPE = /^\s*application\/(?:[^;\s]*\+)?json\s*(?:;|$)/i
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

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
  const body = await request.readBody()
  const headers = parts.headers.length === 0 ? NO_HEADERS : parts.headers.map((name) => [name, request.header(name) ?? null])
  // The last member is the body: filled in below.
  const input: unknown[] = [FORMAT, request.method.toUpperCase(), request.route, request.params ?? {}, parts.scope ?? null, headers, undefined]
  // A JSON body goes into the same canonical text as the rest, hashed once: one SHA-256 pass instead
  // of hashing the body and then hashing its digest with the rest.
  const json = jsonOf(body, request.header('content-type'))
  if (json !== NOT_JSON) {
    input[BODY_INDEX] = ['json', json]
    try {
      return await fingerprintValue(input)
    } catch {
      // Nested beyond the canonicaliser's limit: the raw form below still identifies the request.
    }
  }
  input[BODY_INDEX] = ['raw', await rawDigest(body)]
  return fingerprintValue(input)
}

const NO_HEADERS: readonly never[] = []
const BODY_INDEX = 6

/** The fingerprint of a user-supplied fingerprint value, kept apart from default fingerprints. */
export async function customFingerprint(value: unknown): Promise<string> {
  return fingerprintValue([`${FORMAT}/custom`, value])
}

/** Marks a body that is not (or not readable as) JSON. */
const NOT_JSON = Symbol('not JSON')

/**
 * The body's JSON value: parsed from JSON bytes (strict UTF-8) or text, or what a parser left
 * (express.json() yields the same canonical form as the raw JSON bytes would, so the fingerprint does
 * not depend on which way the body was read). Anything else, malformed JSON included, is
 * {@link NOT_JSON}.
 */
function jsonOf(body: RequestBody, contentType: string | undefined): unknown {
  const raw = rawOf(body)
  if (raw === undefined) return 'parsed' in body ? body.parsed : NOT_JSON
  return contentType !== undefined && JSON_TYPE.test(contentType) ? parseJson(raw) : NOT_JSON
}

/**
 * The body as it came: its bytes, or the bytes or text a raw or text parser (express.raw,
 * express.text) kept, empty when there is none; `undefined` for a value a parser built.
 */
function rawOf(body: RequestBody): Uint8Array | string | undefined {
  if ('bytes' in body) return body.bytes
  const { parsed } = body
  if (parsed === undefined || parsed === null) return EMPTY
  return parsed instanceof Uint8Array || typeof parsed === 'string' ? parsed : undefined
}

const EMPTY = new Uint8Array(0)

/** The JSON value of a body's bytes (strict UTF-8) or text, or {@link NOT_JSON} (empty, malformed, invalid UTF-8). */
function parseJson(body: Uint8Array | string): unknown {
  if (body.length === 0) return NOT_JSON
  let value: unknown
  try {
    if (typeof body === 'string') return JSON.parse(body) as unknown
    const text = strictUtf8.decode(body)
    value = JSON.parse(text)
    // A put-back Web request body: its handler's json()/text() reuse this instead of parsing again.
    rememberJson(body, text, value)
  } catch {
    return NOT_JSON // the raw bytes still identify the request
  }
  return value
}

/** SHA-256 of the body as it came (a string as its UTF-8 bytes), or of the text of a value a parser built. */
function rawDigest(body: RequestBody): Promise<string> {
  return sha256Hex(rawOf(body) ?? String('parsed' in body ? body.parsed : ''))
}
