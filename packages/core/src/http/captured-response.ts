/**
 * How a captured response is stored and replayed.
 *
 * Stored text: `H` + a JSON head `{ s: status, h: [[name, value]…], e: 'utf8' | 'base64', n: bytes }`,
 * a line feed, then the body: as it is when it is valid UTF-8 (readable in the store, no escaping,
 * no 33 % base64 overhead), else base64. JSON never writes a raw line feed, so the first one ends the
 * head. A response whose body was over the limit is `H` + `{ s: status, tooLarge: { bytes, limit } }`
 * alone. The `H` kind letter keeps all this apart from what `run()` stores, so a mixed-up key fails
 * loudly, never silently. Both body forms round-trip byte for byte (the BOM is kept, not swallowed).
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
import { isWellFormed, utf8ByteLength } from '../utf8.js'

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

interface StoredHead {
  s: number
  h?: HeaderPairs
  /** The body, inline (the format before the line-feed form; still read). */
  b?: string
  e?: 'utf8' | 'base64'
  /** Body length in bytes. */
  n?: number
  tooLarge?: { bytes: number; limit: number }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** The headers of a fresh response that a replay may repeat (see the module documentation). */
export function storableHeaders(headers: HeaderPairs): HeaderPairs {
  // Fields a Connection header names are hop-by-hop too (rare: most responses have none).
  let named: Set<string> | undefined
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'connection') {
      named ??= new Set()
      for (const token of value.split(',')) named.add(token.trim().toLowerCase())
    }
  }
  const kept: HeaderPairs = []
  for (const pair of headers) {
    const lower = pair[0].toLowerCase()
    if (NEVER_STORED.has(lower) || named?.has(lower) === true) continue
    // A pair already in lower case (what adapters pass) is kept as it is, not copied.
    kept.push(lower === pair[0] ? pair : [lower, pair[1]])
  }
  return kept
}

/**
 * The stored text of a complete response. The body is bytes, or a string standing for its UTF-8
 * encoding (what a framework was given to send).
 */
export function encodeStoredResponse(status: number, headers: HeaderPairs, body: Uint8Array | string): string {
  if (typeof body === 'string' && isWellFormed(body)) return encodeStoredText(status, headers, body, utf8ByteLength(body))
  const bytes = typeof body === 'string' ? encoder.encode(body) : body
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    return encodeHead({ s: status, h: storableHeaders(headers), e: 'base64', n: bytes.length }, toBase64(bytes))
  }
  return encodeStoredText(status, headers, text, bytes.length)
}

/**
 * {@link encodeStoredResponse} for a body the caller already knows to be well-formed text of
 * `byteLength` UTF-8 bytes (the response recording checks each chunk as it is written).
 * @internal
 */
export function encodeStoredText(status: number, headers: HeaderPairs, text: string, byteLength: number): string {
  return encodeHead({ s: status, h: storableHeaders(headers), e: 'utf8', n: byteLength }, text)
}

function encodeHead(head: StoredHead, body: string): string {
  return `${KIND}${JSON.stringify(head)}\n${body}`
}

/** The stored text for a response whose body was too large to keep. */
export function encodeTooLarge(status: number, bytes: number, limit: number): string {
  const stored: StoredHead = { s: status, tooLarge: { bytes, limit } }
  return KIND + JSON.stringify(stored)
}

/** Decode stored text written by this module. Throws a `TypeError` for anything else. */
export function decodeStoredResponse(text: string): StoredResponse {
  if (!text.startsWith(KIND)) {
    throw new TypeError(`Unrecognised stored HTTP response (kind "${text.charAt(0)}"): was this key written by run() or another program?`)
  }
  const newline = text.indexOf('\n')
  const head = JSON.parse(newline === -1 ? text.slice(1) : text.slice(1, newline)) as StoredHead
  if (head.tooLarge !== undefined) {
    return { kind: 'too_large', status: head.s, bytes: head.tooLarge.bytes, limit: head.tooLarge.limit }
  }
  const body = newline === -1 ? (head.b ?? '') : text.slice(newline + 1)
  const headers = head.h ?? []
  if (head.e === 'base64') return { kind: 'response', response: { status: head.s, headers, body: fromBase64(body) } }
  return { kind: 'response', response: new TextResponse(head.s, headers, body, head.n) }
}

/**
 * A response whose body is UTF-8 text: adapters send `text` as it is (a string body goes out with
 * the head in one write), and the bytes are only encoded if someone asks for `body`.
 */
class TextResponse implements HttpResponse {
  private bytes: Uint8Array | undefined

  constructor(
    readonly status: number,
    readonly headers: HeaderPairs,
    readonly text: string,
    private readonly knownLength: number | undefined,
  ) {}

  get body(): Uint8Array {
    this.bytes ??= encoder.encode(this.text)
    return this.bytes
  }

  /** Body length in bytes, without encoding when it was stored. */
  get byteLength(): number {
    return this.knownLength ?? this.body.length
  }
}

/**
 * The replay of a stored response: its status, stored headers and bytes, `Idempotent-Replayed:
 * true`, and a `Content-Length` recomputed from the bytes actually sent.
 */
export function replayOf(stored: HttpResponse): HttpResponse {
  const headers: HeaderPairs = [...stored.headers, [REPLAYED_HEADER, 'true']]
  if (BODYLESS.has(stored.status)) return { status: stored.status, headers, body: new Uint8Array(0) }
  if (stored instanceof TextResponse) {
    headers.push(['content-length', String(stored.byteLength)])
    return new TextResponse(stored.status, headers, stored.text, stored.byteLength)
  }
  headers.push(['content-length', String(stored.body.length)])
  return { status: stored.status, headers, body: stored.body }
}

/** Whether a response with this status may carry a body. */
export function statusAllowsBody(status: number): boolean {
  return !BODYLESS.has(status) && !(status >= 100 && status < 200)
}

