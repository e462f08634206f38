/**
 * `@idemkit/core/http`: framework-neutral HTTP idempotency (DESIGN.md §6) used by every adapter,
 * and {@link withIdempotency}, a Web-standard wrapper for any `(Request) => Promise<Response>`
 * handler.
 *
 * - Options: {@link HttpIdempotencyOptions} (one type for every integration).
 * - Decision: {@link createHttpIdempotency} → {@link HttpDecision} (pass, respond, execute).
 * - Recording: {@link Execution}, fed by adapters as the response goes out.
 * - Problem documents: {@link problemResponse}, `type` URIs under {@link PROBLEM_TYPE_BASE}.
 *
 * @packageDocumentation
 */
export {
  decodeStoredResponse,
  encodeStoredResponse,
  replayOf,
  REPLAYED_HEADER,
  statusAllowsBody,
  storableHeaders,
  type StoredResponse,
} from './captured-response.js'
export { createHttpIdempotency, type HttpDecision, type HttpIdempotency } from './handler.js'
export { parseIdempotencyKey } from './key-header.js'
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  type HttpEngineOptions,
  type HttpIdempotencyBaseOptions,
  type HttpIdempotencyOptions,
  type HttpStoreOptions,
} from './options.js'
export { PROBLEM_TYPE_BASE, problemResponse, type ProblemCode, type ProblemDocument } from './problem.js'
export { readRequestBody } from './request-body.js'
export { requestFingerprint, type FingerprintParts } from './request-fingerprint.js'
export type { Execution, RecordingPolicy } from './response-recording.js'
export type { HeaderPairs, HttpRequest, HttpResponse, RequestBody } from './types.js'
export {
  exchangeWeb,
  fromWebRequest,
  recordWebResponse,
  toWebResponse,
  withoutReplayedHeader,
  type WebRequestRoute,
} from './web.js'
export { withIdempotency } from './with-idempotency.js'
