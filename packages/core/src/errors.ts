/**
 * Typed errors. Every error idemkit raises is an {@link IdempotencyError} with a stable string
 * `code` (safe to switch on, log and alert on) and an HTTP `status` hint that the HTTP layer uses.
 * The original error is always kept as `cause`.
 *
 * @module
 */

/** The stable codes of every error idemkit raises. */
export type IdempotencyErrorCode =
  | 'invalid_key'
  | 'missing_key'
  | 'in_flight'
  | 'fingerprint_mismatch'
  | 'lease_lost'
  | 'store_unavailable'
  | 'result_too_large'

/** Options shared by every idemkit error. */
export interface IdempotencyErrorOptions {
  /** The underlying error, kept for logs and debugging. */
  cause?: unknown
}

/**
 * Base class of every error idemkit raises.
 *
 * @example
 * ```ts
 * try {
 *   await engine.run(key, input, charge)
 * } catch (error) {
 *   if (error instanceof IdempotencyError && error.code === 'in_flight') retryLater(error)
 *   else throw error
 * }
 * ```
 */
export class IdempotencyError extends Error {
  /** Stable machine-readable code. */
  readonly code: IdempotencyErrorCode
  /** The HTTP status an API should answer with. */
  readonly status: number

  constructor(code: IdempotencyErrorCode, status: number, message: string, options?: IdempotencyErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = status
  }
}

/** The idempotency key is not 1–255 printable ASCII characters. HTTP 400. */
export class InvalidKeyError extends IdempotencyError {
  constructor(message: string, options?: IdempotencyErrorOptions) {
    super('invalid_key', 400, message, options)
  }
}

/** A key is required for this operation and none was given. HTTP 400. */
export class MissingKeyError extends IdempotencyError {
  constructor(message = 'An idempotency key is required for this request.', options?: IdempotencyErrorOptions) {
    super('missing_key', 400, message, options)
  }
}

/**
 * Another execution with the same key and the same request is still running. HTTP 409.
 * `retryAfterMs` says when a retry has a chance of seeing the result.
 */
export class InFlightError extends IdempotencyError {
  /** Milliseconds after which a retry is sensible (rounded up to whole seconds for `Retry-After`). */
  readonly retryAfterMs: number

  constructor(retryAfterMs: number, message?: string, options?: IdempotencyErrorOptions) {
    super(
      'in_flight',
      409,
      message ?? 'A request with this idempotency key is still being processed; retry later.',
      options,
    )
    this.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs))
  }
}

/** The key was already used for a different request (another fingerprint). HTTP 422. */
export class FingerprintMismatchError extends IdempotencyError {
  constructor(message?: string, options?: IdempotencyErrorOptions) {
    super(
      'fingerprint_mismatch',
      422,
      message ?? 'This idempotency key was already used with a different request.',
      options,
    )
  }
}

/**
 * This execution's lease was taken over by another worker (its lease lapsed), or its record was
 * removed: its result was NOT stored. Raised instead of pretending the completion succeeded.
 */
export class LeaseLostError extends IdempotencyError {
  /** The storage key whose lease was lost. */
  readonly key: string

  constructor(key: string, message?: string, options?: IdempotencyErrorOptions) {
    super(
      'lease_lost',
      409,
      message ??
        `The lease on idempotency key "${key}" was lost before completion: another execution owns it now, so this result was not stored.`,
      options,
    )
    this.key = key
  }
}

/** The store operations the core calls, as named in store errors. */
export type StoreOperation = 'acquire' | 'complete' | 'release' | 'get' | 'extend'

/**
 * The store failed (unreachable, timed out, refused a write). The core fails closed: nothing runs
 * unprotected. HTTP 503.
 */
export class IdempotencyStoreError extends IdempotencyError {
  /** Which store call failed. */
  readonly operation: StoreOperation
  /** The store's `name`. */
  readonly store: string

  constructor(operation: StoreOperation, store: string, options?: IdempotencyErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : ''
    super('store_unavailable', 503, `[${store}] ${operation} failed${reason}`, options)
    this.operation = operation
    this.store = store
  }
}

/**
 * The serialised result is larger than the store accepts. The record is completed with a small
 * marker instead (so a retry never re-executes the side effect) and this error is raised to the
 * first caller and to every replay.
 */
export class ResultTooLargeError extends IdempotencyError {
  /** Size of the serialised result in bytes. */
  readonly bytes: number
  /** The limit it exceeded, in bytes. */
  readonly limit: number

  constructor(bytes: number, limit: number, options?: IdempotencyErrorOptions) {
    super(
      'result_too_large',
      500,
      `The result (${bytes} bytes serialised) exceeds the store's limit of ${limit} bytes, so it cannot be replayed.`,
      options,
    )
    this.bytes = bytes
    this.limit = limit
  }
}

/** True when `value` is an {@link IdempotencyError}, optionally of the given code. */
export function isIdempotencyError(value: unknown, code?: IdempotencyErrorCode): value is IdempotencyError {
  return value instanceof IdempotencyError && (code === undefined || value.code === code)
}
