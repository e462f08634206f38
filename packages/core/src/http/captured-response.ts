/**
 * How a captured response is stored and replayed.
 *
 * Stored text: `H` + JSON `{ s: status, h: [[name, value]…], b: body, e: 'utf8' | 'base64' }`, or
 * `H` + JSON `{ s: status, tooLarge: { bytes, limit } }` when the body was over the limit. The `H`
 * kind letter keeps it apart from what `run()` stores, so a mixed-up key fails loudly, never silently.
 * A body that is valid UTF-8 is stored as text (readable in the store, no 33 % base64 overhead);
 * anything else as base64. Both round-trip byte for byte (the BOM is kept, not swallowed).
 *
 * Headers that must not be replayed are dropped when storing: hop-by-hop fields (RFC 9110 §7.6.1
 * and any named by `Connection`), `Set-Cookie` and credentials (a replay must never hand one
 * client's session to another), `Date` (the replay has its own), `Content-Length` (recomputed), and
 * `Idempotent-Replayed` itself.
 *
 * @module
 */
import type { HeaderPairs, HttpResponse } from './types.js'
import { fromBase64, toBase64 } from '../base64.js'

/** The header every replayed response carries, and no fresh response ever does. */
export const REPLAYED_HEADER = 'idempotent-replayed'

const KIND = 'H'
const NEVER_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'cookie',
  'authorization',
  'date',
  'content-length',
  REPLAYED_HEADER,
])
/** Statuses that never carry a body, so a replay must not send one (nor a Content-Length). */
const BODYLESS = new Set([204, 304])

/** What a stored result decodes to. */
export type StoredResponse =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'too_large'; status: number; bytes: number; limit: number }

interface StoredJson {
  s: number
  h?: HeaderPairs
  b?: string
  e?: 'utf8' | 'base64'
  tooLarge?: { bytes: number; limit: number }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** The headers of a fresh response that a replay may repeat (see the module documentation). */
export function storableHeaders(headers: HeaderPairs): HeaderPairs {
  const named = new Set<string>()
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'connection') {
      for (const token of value.split(',')) named.add(token.trim().toLowerCase())
    }
  }
  const kept: HeaderPairs = []
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (!NEVER_STORED.has(lower) && !named.has(lower)) kept.push([lower, value])
  }
  return kept
}

/** The stored text of a complete response. */
export function encodeStoredResponse(status: number, headers: HeaderPairs, body: Uint8Array): string {
  const stored: StoredJson = { s: status, h: storableHeaders(headers) }
  try {
    stored.b = strictUtf8.decode(body)
    stored.e = 'utf8'
  } catch {
    stored.b = toBase64(body)
    stored.e = 'base64'
  }
  return KIND + JSON.stringify(stored)
}

/** The stored text for a response whose body was too large to keep. */
export function encodeTooLarge(status: number, bytes: number, limit: number): string {
  const stored: StoredJson = { s: status, tooLarge: { bytes, limit } }
  return KIND + JSON.stringify(stored)
}

/** Decode stored text written by this module. Throws a `TypeError` for anything else. */
export function decodeStoredResponse(text: string): StoredResponse {
  if (!text.startsWith(KIND)) {
    throw new TypeError(`Unrecognised stored HTTP response (kind "${text.charAt(0)}"): was this key written by run() or another program?`)
  }
  const stored = JSON.parse(text.slice(1)) as StoredJson
  if (stored.tooLarge !== undefined) {
    return { kind: 'too_large', status: stored.s, bytes: stored.tooLarge.bytes, limit: stored.tooLarge.limit }
  }
  const body = stored.e === 'base64' ? fromBase64(stored.b ?? '') : encoder.encode(stored.b ?? '')
  return { kind: 'response', response: { status: stored.s, headers: stored.h ?? [], body } }
}

/**
 * The replay of a stored response: its status, stored headers and bytes, `Idempotent-Replayed:
 * true`, and a `Content-Length` recomputed from the bytes actually sent.
 */
export function replayOf(stored: HttpResponse): HttpResponse {
  const headers: HeaderPairs = [...stored.headers, [REPLAYED_HEADER, 'true']]
  if (BODYLESS.has(stored.status)) return { status: stored.status, headers, body: new Uint8Array(0) }
  headers.push(['content-length', String(stored.body.length)])
  return { status: stored.status, headers, body: stored.body }
}

/** Whether a response with this status may carry a body. */
export function statusAllowsBody(status: number): boolean {
  return !BODYLESS.has(status) && !(status >= 100 && status < 200)
}

