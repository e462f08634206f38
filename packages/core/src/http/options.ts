/**
 * The options every HTTP integration takes (`@idemkit/adapter-express`, `@idemkit/adapter-hono`,
 * {@link withIdempotency}): one documented type, so switching frameworks changes no configuration.
 *
 * @module
 */
import { toMilliseconds, type Duration } from '../duration.js'
import { createIdempotency, type IdempotencyEngine, type InFlightPolicy } from '../engine.js'
import type { IdempotencyHooks } from '../hooks.js'
import type { IdempotencyStore } from '../store.js'

/** Options shared by every HTTP integration. `Req` is the framework's request (or context) type. */
export interface HttpIdempotencyBaseOptions<Req> {
  /** Name of the request header carrying the key. Default `'Idempotency-Key'`. */
  header?: string
  /** Answer 400 `missing_key` when a protected request has no key. Default `false` (it passes through unprotected). */
  required?: boolean
  /**
   * Methods that are protected; others pass straight through. Default `['POST', 'PATCH']`. When the
   * middleware is mounted on a single route of another method (PUT, DELETE), list that method here.
   */
  methods?: readonly string[]
  /**
   * The tenant, account or API key the request acts for. Part of the storage key, so a key used by
   * one tenant can never replay another tenant's response. Default: none (one shared key space).
   */
  scope?: (req: Req) => string | undefined | Promise<string | undefined>
  /**
   * Replace the default fingerprint (method, route, path parameters, scope, `fingerprintHeaders`,
   * body) with your own description of the request; the value is hashed as canonical JSON.
   */
  fingerprint?: (req: Req) => unknown
  /** Header names whose values are added to the default fingerprint (e.g. `['content-type']`). */
  fingerprintHeaders?: readonly string[]
  /** Retention window: how long a stored response is replayed. Default the engine's (`'24h'`). */
  ttl?: Duration
  /**
   * Lease of an in-flight execution before another worker may take the key over. Default the
   * engine's (`'60s'`). Also how long a response whose connection closed before it ended keeps its
   * key (default 60 s, whatever the engine's lease) before it is released.
   */
  lease?: Duration
  /**
   * Which responses are stored and replayed, by status. Default: 2xx, 3xx and 4xx are stored; 5xx
   * release the key so a retry executes again. A thrown error always releases the key (and still
   * reaches the framework's error handler unchanged).
   */
  storeResponse?: (status: number) => boolean
  /**
   * When the store cannot be reached: `false` (default) answers 503 `store_unavailable` and runs
   * nothing; `true` runs the handler unprotected (the engine's `onStoreError` hook fires).
   */
  failOpen?: boolean
  /**
   * Largest response body, in bytes, that is stored. A larger response still reaches its client in
   * full, but is not stored: the key completes with a marker and every replay answers 409
   * `response_too_large` (the request is never executed again). Default 1 MiB; the store's own
   * `maxResultBytes` also applies.
   */
  maxResponseBytes?: number
}

/** Build the engine from a store: engine-level settings may be given here. */
export interface HttpStoreOptions {
  /** Where records live. */
  store: IdempotencyStore
  /** An engine: give either `store` or `engine`. */
  engine?: never
  /** Duplicates while in flight: `'reject'` (default, 409) or `{ wait: { timeoutMs } }` (answer with the first response). */
  inFlight?: InFlightPolicy
  /** Longest one store call may take before the request fails with 503 (or fails open). Default `'10s'`. */
  storeTimeout?: Duration
  /** Observability hooks (execute, replay, in flight, mismatch, lease lost, store error). */
  hooks?: IdempotencyHooks
}

/** Use an engine you built with `createIdempotency` (its in-flight policy, timeout and hooks apply). */
export interface HttpEngineOptions {
  /** The engine. */
  engine: IdempotencyEngine
  /** A store: give either `store` or `engine`. */
  store?: never
  /** Set on the engine instead. */
  inFlight?: never
  /** Set on the engine instead. */
  storeTimeout?: never
  /** Set on the engine instead. */
  hooks?: never
}

/**
 * Options of every HTTP integration: a `store` (or an `engine`) plus the HTTP behaviour.
 *
 * @example
 * ```ts
 * const options: HttpIdempotencyOptions<Request> = {
 *   store: new MemoryStore(),
 *   required: true,
 *   scope: (request) => request.headers.get('x-account-id') ?? undefined,
 * }
 * ```
 */
export type HttpIdempotencyOptions<Req> = HttpIdempotencyBaseOptions<Req> & (HttpStoreOptions | HttpEngineOptions)

/** Default largest stored response body: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576
const DEFAULT_METHODS = ['POST', 'PATCH'] as const
const DEFAULT_LEASE = '60s'

/** @internal Options with every default applied. */
export interface ResolvedHttpOptions<Req> {
  engine: IdempotencyEngine
  header: string
  required: boolean
  methods: ReadonlySet<string>
  scope: ((req: Req) => string | undefined | Promise<string | undefined>) | undefined
  fingerprint: ((req: Req) => unknown) | undefined
  fingerprintHeaders: readonly string[]
  begin: { ttl?: Duration; lease?: Duration }
  storeResponse: (status: number) => boolean
  failOpen: boolean
  maxResponseBytes: number
  abandonAfterMs: number
}

/** @internal Validate options and apply defaults, once, when the middleware is created. */
export function resolveHttpOptions<Req>(options: HttpIdempotencyOptions<Req>): ResolvedHttpOptions<Req> {
  if (options === null || typeof options !== 'object') throw new TypeError('idempotency: options with a `store` are required')
  const { engine, store } = options
  if ((engine === undefined) === (store === undefined)) {
    throw new TypeError('idempotency: give exactly one of `store` (e.g. new MemoryStore()) or `engine`')
  }
  if (engine !== undefined && (options.inFlight !== undefined || options.storeTimeout !== undefined || options.hooks !== undefined)) {
    throw new TypeError('idempotency: `inFlight`, `storeTimeout` and `hooks` belong on the engine when you pass `engine`')
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  if (!(maxResponseBytes >= 0)) throw new RangeError('idempotency: `maxResponseBytes` must be a number of bytes ≥ 0')
  const begin: ResolvedHttpOptions<Req>['begin'] = {}
  if (options.ttl !== undefined) begin.ttl = options.ttl
  if (options.lease !== undefined) begin.lease = options.lease
  return {
    engine:
      engine ??
      createIdempotency({
        store: store as IdempotencyStore,
        ...(options.inFlight === undefined ? {} : { inFlight: options.inFlight }),
        ...(options.storeTimeout === undefined ? {} : { storeTimeout: options.storeTimeout }),
        ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
      }),
    header: (options.header ?? 'Idempotency-Key').toLowerCase(),
    required: options.required ?? false,
    methods: new Set((options.methods ?? DEFAULT_METHODS).map((method) => method.toUpperCase())),
    scope: options.scope,
    fingerprint: options.fingerprint,
    fingerprintHeaders: (options.fingerprintHeaders ?? []).map((name) => name.toLowerCase()),
    begin,
    storeResponse: options.storeResponse ?? ((status) => status >= 200 && status < 500),
    failOpen: options.failOpen ?? false,
    maxResponseBytes,
    // The engine does not expose its lease; 60 s is its default (documented on `lease`).
    abandonAfterMs: toMilliseconds(options.lease ?? DEFAULT_LEASE, 'lease'),
  }
}
