/**
 * Problem documents (RFC 9457, `application/problem+json`) for every answer the HTTP layer gives
 * on its own. Their `type` URIs are owned by the project and stable: clients may switch on them.
 *
 * | `type` (after `https://idemkit.dev/problems/`) | status | when |
 * | --- | --- | --- |
 * | `invalid_key` | 400 | the key header is empty, too long, not printable ASCII, malformed, or carries several different keys |
 * | `missing_key` | 400 | no key on a route configured with `required: true` |
 * | `in_flight` | 409 (+ `Retry-After`) | the first request with this key is still running |
 * | `fingerprint_mismatch` | 422 | the key was already used for a different request (route, params or body) |
 * | `response_too_large` | 409 | replay of a request whose response was too large to store; it ran once, do not retry it with this key |
 * | `store_unavailable` | 503 | the idempotency store could not be reached in time (fail closed) |
 *
 * None of these answers is ever stored, and none changes the key's record.
 *
 * @module
 */
import type { HttpResponse } from './types.js'

/** Base of every problem `type` URI. */
export const PROBLEM_TYPE_BASE = 'https://idemkit.dev/problems/'

/** The problems the HTTP layer answers with. */
export type ProblemCode =
  | 'invalid_key'
  | 'missing_key'
  | 'in_flight'
  | 'fingerprint_mismatch'
  | 'response_too_large'
  | 'store_unavailable'

const TITLES: Record<ProblemCode, { status: number; title: string }> = {
  invalid_key: { status: 400, title: 'Invalid idempotency key' },
  missing_key: { status: 400, title: 'Missing idempotency key' },
  in_flight: { status: 409, title: 'Request with this idempotency key is in progress' },
  fingerprint_mismatch: { status: 422, title: 'Idempotency key reused for a different request' },
  response_too_large: { status: 409, title: 'Original response too large to replay' },
  store_unavailable: { status: 503, title: 'Idempotency store unavailable' },
}

/** A problem document as sent. */
export interface ProblemDocument {
  /** `https://idemkit.dev/problems/<code>`. */
  type: string
  /** Short, stable summary of the problem type. */
  title: string
  /** The HTTP status. */
  status: number
  /** What happened to this request, for humans. */
  detail: string
  /** Extension members (e.g. `originalStatus` for `response_too_large`). */
  [extension: string]: unknown
}

const encoder = new TextEncoder()

/**
 * The response for a problem. `retryAfterMs` (for `in_flight`) becomes `Retry-After` in whole
 * seconds, at least 1, so a client never retries in a tight loop.
 */
export function problemResponse(
  code: ProblemCode,
  detail: string,
  extra: { retryAfterMs?: number; members?: Record<string, unknown> } = {},
): HttpResponse {
  const { status, title } = TITLES[code]
  const document: ProblemDocument = { type: PROBLEM_TYPE_BASE + code, title, status, detail, ...extra.members }
  const headers: HttpResponse['headers'] = [
    ['content-type', 'application/problem+json'],
    // Never let a cache keep an answer about one moment of one key's life.
    ['cache-control', 'no-store'],
  ]
  if (extra.retryAfterMs !== undefined) {
    headers.push(['retry-after', String(Math.max(1, Math.ceil(extra.retryAfterMs / 1000)))])
  }
  return { status, headers, body: encoder.encode(JSON.stringify(document)) }
}
