/**
 * `@idemkit/core`: idempotency keys for TypeScript. A retried request never charges, orders,
 * invoices or messages twice.
 *
 * - {@link createIdempotency}: the engine (`run`, `wrap`, `begin`).
 * - {@link idempotent}: make any async function idempotent.
 * - {@link MemoryStore}: the embedded default store.
 * - {@link IdempotencyStore}: the contract every store implements.
 * - {@link IdempotencyError} and its subclasses: typed errors with stable codes.
 *
 * @packageDocumentation
 */
export { canonicalize } from './canonical-json.js'
export { toMilliseconds, type Duration, type DurationUnit } from './duration.js'
export {
  createIdempotency,
  type Begun,
  type BeginOptions,
  type IdempotencyEngine,
  type IdempotencyOptions,
  type InFlightPolicy,
  type Lease,
  type Outcome,
  type RunContext,
  type RunOptions,
  type RunResult,
  type WrapOptions,
} from './engine.js'
export {
  FingerprintMismatchError,
  IdempotencyError,
  IdempotencyStoreError,
  InFlightError,
  InvalidKeyError,
  isIdempotencyError,
  LeaseLostError,
  MissingKeyError,
  ResultTooLargeError,
  type IdempotencyErrorCode,
  type IdempotencyErrorOptions,
  type StoreOperation,
} from './errors.js'
export { fingerprint } from './fingerprint.js'
export type { HookEvent, IdempotencyHooks } from './hooks.js'
export { idempotent, type IdempotentOptions } from './idempotent.js'
export { assertValidKey, MAX_KEY_LENGTH, storageKey } from './key.js'
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js'
export { jsonSerializer, type Serializer } from './serializer.js'
export {
  decideAfterAcquire,
  decideAfterRead,
  decideForLiveRecord,
  MIN_RETRY_AFTER_MS,
  type Decision,
  type ReadDecision,
} from './state-machine.js'
export {
  isLive,
  type AcquireInput,
  type AcquireResult,
  type CompleteInput,
  type ExtendInput,
  type IdempotencyRecord,
  type IdempotencyStore,
  type RecordStatus,
  type ReleaseInput,
} from './store.js'
export type { ErrorClass } from './stored-outcome.js'
