/**
 * The framework-neutral decision for one request (DESIGN.md §6). Adapters call
 * {@link HttpIdempotency.begin} with their request translated to an {@link HttpRequest}, then do
 * what the decision says: run the handler unprotected, answer with a response (a replay or a
 * problem), or run the handler under an {@link Execution} that records and stores its response.
 *
 * @module
 */
import {
  FingerprintMismatchError,
  IdempotencyStoreError,
  InFlightError,
  InvalidKeyError,
} from '../errors.js'
import { decodeStoredResponse, replayOf } from './captured-response.js'
import { parseIdempotencyKey } from './key-header.js'
import { resolveHttpOptions, type HttpIdempotencyOptions, type ResolvedHttpOptions } from './options.js'
import { problemResponse } from './problem.js'
import { customFingerprint, requestFingerprint } from './request-fingerprint.js'
import { ResponseRecording, type Execution } from './response-recording.js'
import type { HttpRequest, HttpResponse } from './types.js'

/** What to do with a request. */
export type HttpDecision =
  /** Not protected (method not covered, no key and none required, or the store is down with `failOpen`): run the handler as usual. */
  | { kind: 'pass'; reason: 'method' | 'no_key' | 'store_unavailable' }
  /** Answer with this response (a replay or a problem document); do not run the handler. */
  | { kind: 'respond'; response: HttpResponse; replayed: boolean }
  /** Run the handler; report its response (or failure) to `execution`. */
  | { kind: 'execute'; execution: Execution }

/** The HTTP idempotency layer for one set of options. */
export interface HttpIdempotency<Req> {
  /** Decide what to do with `request` (`req` is the framework's own request, for `scope` and `fingerprint`). */
  begin(req: Req, request: HttpRequest): Promise<HttpDecision>
}

/**
 * Create the neutral HTTP layer. Adapters wrap it; applications use an adapter or
 * {@link withIdempotency}.
 *
 * @example
 * ```ts
 * const http = createHttpIdempotency<Request>({ store: new MemoryStore() })
 * const decision = await http.begin(request, fromWebRequest(request))
 * ```
 */
export function createHttpIdempotency<Req>(options: HttpIdempotencyOptions<Req>): HttpIdempotency<Req> {
  const resolved = resolveHttpOptions(options)
  return { begin: (req, request) => begin(resolved, req, request) }
}

async function begin<Req>(options: ResolvedHttpOptions<Req>, req: Req, request: HttpRequest): Promise<HttpDecision> {
  if (!options.methods.has(request.method.toUpperCase())) return { kind: 'pass', reason: 'method' }
  try {
    const key = parseIdempotencyKey(request.header(options.header))
    if (key === undefined) {
      if (!options.required) return { kind: 'pass', reason: 'no_key' }
      return respond(problemResponse('missing_key', `This request needs an ${displayName(options.header)} header.`))
    }
    const scope = options.scope === undefined ? undefined : await options.scope(req)
    const storageKey = options.engine.storageKey(key, scope)
    const fingerprint =
      options.fingerprint === undefined
        ? await requestFingerprint(request, { scope, headers: options.fingerprintHeaders })
        : await customFingerprint(await options.fingerprint(req))
    const begun = await options.engine.begin(storageKey, fingerprint, options.begin)
    if (begun.kind === 'execute') {
      return { kind: 'execute', execution: new ResponseRecording(begun.lease, options) }
    }
    const stored = decodeStoredResponse(begun.result)
    if (stored.kind === 'response') return { kind: 'respond', response: replayOf(stored.response), replayed: true }
    return respond(
      problemResponse(
        'response_too_large',
        `The request with this key was processed (status ${stored.status}), but its ${stored.bytes}-byte response exceeded the ${stored.limit}-byte limit and was not stored. Do not retry it with this key: read the result another way.`,
        { members: { originalStatus: stored.status } },
      ),
    )
  } catch (error) {
    if (error instanceof InvalidKeyError) return respond(problemResponse('invalid_key', error.message))
    if (error instanceof InFlightError) {
      return respond(
        problemResponse('in_flight', 'A request with this idempotency key is still being processed; retry after the indicated delay.', {
          retryAfterMs: error.retryAfterMs,
        }),
      )
    }
    if (error instanceof FingerprintMismatchError) {
      return respond(
        problemResponse('fingerprint_mismatch', 'This idempotency key was already used for a different request (another route, path or body). Use a new key for a new request.'),
      )
    }
    if (error instanceof IdempotencyStoreError) {
      if (options.failOpen) return { kind: 'pass', reason: 'store_unavailable' }
      return respond(problemResponse('store_unavailable', 'The idempotency store could not be reached, so the request was not processed. Retry later with the same key.'))
    }
    // Anything else is the application's (a throwing `scope` or `fingerprint`) or the body stream's:
    // let the framework's error handler see it unchanged.
    throw error
  }
}

function respond(response: HttpResponse): HttpDecision {
  return { kind: 'respond', response, replayed: false }
}

function displayName(lowerCaseHeader: string): string {
  return lowerCaseHeader.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())
}
