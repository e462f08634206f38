/**
 * The engine: ties the state machine, the store, fingerprints, leases and the failure policy
 * together. `createIdempotency()` is the entry point; `run()` is what most code calls.
 *
 * @module
 */
import { randomToken } from '#crypto'
import { retryInBackground } from './background-retry.js'
import { DeadlineWatch } from './deadline.js'
import type { Duration } from './duration.js'
import { utf8ByteLength } from './utf8.js'
import { HeartbeatScheduler, type Beating } from './heartbeat.js'
import { toMilliseconds } from './duration.js'
import {
  FingerprintMismatchError,
  IdempotencyError,
  IdempotencyStoreError,
  InFlightError,
  LeaseLostError,
  ResultTooLargeError,
  type StoreOperation,
} from './errors.js'
import { fingerprint as defaultFingerprint, fingerprintNow } from './fingerprint.js'
import { fireHook, type IdempotencyHooks } from './hooks.js'
import { assertValidKey, storageKey } from './key.js'
import { LocalCache } from './local-cache.js'
import { MemoryStore } from './memory-store.js'
import { jsonSerializer, type Serializer } from './serializer.js'
import { decideAfterAcquire, decideAfterRead, type Decision } from './state-machine.js'
import type { AcquireInput, AcquireResult, CompleteInput, IdempotencyRecord, IdempotencyStore } from './store.js'
import { decodeOutcome, encodeError, encodeTooLarge, encodeValue, type ErrorClass } from './stored-outcome.js'

/** How to treat a duplicate that arrives while the first execution is still running. */
export type InFlightPolicy =
  | 'reject'
  | {
      /** Poll the store until the first execution completes, at most this long, then reject. */
      wait: {
        /** Longest total wait in ms before giving up with an `in_flight` error. */
        timeoutMs: number
        /** First poll interval in ms (grows ×1.5 per poll up to 1 s). Default 50. */
        pollMs?: number
      }
    }

/** What the failure policy sees: the function returned `value`, or threw `error`. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** Options of {@link createIdempotency}. */
export interface IdempotencyOptions {
  /** Where records live. */
  store: IdempotencyStore
  /** Retention window of completed results: how long a retry replays. Default `'24h'`. */
  ttl?: Duration
  /** Lease of an in-progress execution: after it lapses, the key can be taken over. Default `'60s'`. */
  lease?: Duration
  /** Duplicates while in flight: `'reject'` (default, `in_flight` error) or `{ wait: { timeoutMs } }`. */
  inFlight?: InFlightPolicy
  /**
   * Extend the lease (`store.extend`) every half lease while the function runs, so long work keeps
   * its key. Default true; ignored by stores without `extend`.
   */
  heartbeat?: boolean
  /** The clock, in epoch milliseconds. Default `Date.now`. Inject a fake one in tests. */
  clock?: () => number
  /** How results are stored. Default {@link jsonSerializer}. */
  serializer?: Serializer
  /**
   * Which outcomes are stored (and replayed). Default: returned values are stored, thrown errors are
   * not (the key is released so a retry executes again). Return true for deterministic failures
   * (a declined card) to replay them as the same error.
   */
  shouldStore?: (outcome: Outcome) => boolean
  /** Error classes that stored failures are rebuilt as on replay (matched by `name`). */
  errorTypes?: readonly ErrorClass[]
  /** Keep completed records in-process so a hot replay costs 0 store round trips. Off by default. */
  localCache?: { maxEntries: number }
  /**
   * Longest a single store call may take before it fails as `store_unavailable`. Default `'10s'`.
   * Not applied to the built-in `MemoryStore` (its calls answer at once and cannot hang).
   */
  storeTimeout?: Duration
  /** Observability hooks; they can never break a request. */
  hooks?: IdempotencyHooks
}

/** Per-call options of {@link IdempotencyEngine.run}. */
export interface RunOptions {
  /** Tenant, account or API key: part of the storage key, so tenants never share records. */
  scope?: string
  /** A precomputed fingerprint; when given, `input` is not hashed. */
  fingerprint?: string
  /** Retention window for this call, overriding the engine's. */
  ttl?: Duration
  /** Lease for this call, overriding the engine's. */
  lease?: Duration
}

/** What the protected function receives. */
export interface RunContext {
  /** The user's idempotency key. */
  key: string
  /** The storage key (scope + key). */
  storageKey: string
  /** Aborted when the lease is lost (a heartbeat found another owner): stop work early if you can. */
  signal: AbortSignal
}

/** A result together with whether it was replayed. */
export interface RunResult<T> {
  /** The function's result, or the stored one. */
  value: T
  /** True when the value came from the store (the function did not run). */
  replayed: boolean
}

/** Options of {@link IdempotencyEngine.wrap}. */
export interface WrapOptions<A extends unknown[]> {
  /** The idempotency key of a call, from its arguments (e.g. a message ID). */
  key: (...args: A) => string
  /** What identifies the request, from its arguments. Default: all the arguments. */
  fingerprint?: (...args: A) => unknown
  /** Scope of every call (or from the arguments), e.g. the function's name or a tenant. */
  scope?: string | ((...args: A) => string)
  /** Retention window, overriding the engine's. */
  ttl?: Duration
  /** Lease, overriding the engine's. */
  lease?: Duration
}

/**
 * The lease on a key this caller acquired: the low-level API that `run()`, the HTTP layer and
 * store-specific helpers (e.g. transactional completion) are built on.
 */
export interface Lease {
  /** The storage key. */
  readonly key: string
  /** This execution's owner token (the fencing token). */
  readonly token: string
  /** The request's fingerprint. */
  readonly fingerprint: string
  /** Aborted with a `LeaseLostError` when a heartbeat finds the key owned by someone else. */
  readonly signal: AbortSignal
  /** Epoch-ms end of the retention window if the result were stored now. */
  expiresAt(): number
  /**
   * Store `result` (fenced by the token) and stop the heartbeat. Throws `ResultTooLargeError`
   * before writing anything when the store's `maxResultBytes` is exceeded (the lease stays held: store
   * a marker instead), `LeaseLostError` when the token no longer owns the key, `IdempotencyStoreError`
   * when the store fails. Pass `commit` to perform the fenced completion yourself (e.g. inside a
   * database transaction); it must return whether the record was completed.
   *
   * When the store keeps failing, the error is thrown after a few quick retries, and the (default)
   * completion goes on being retried in the background while the lease holds, unless the lease is
   * released: a retry that arrives after the store recovers replays the result instead of waiting
   * for the lease to lapse and executing again.
   */
  complete(result: string, commit?: (input: { key: string; token: string; result: string; expiresAt: number }) => Promise<boolean>): Promise<void>
  /** Delete the record (fenced) and stop the heartbeat, so a retry executes again. Returns whether it happened. */
  release(): Promise<boolean>
  /** Move the lease deadline forward now. Returns false when the lease is lost. */
  extend(): Promise<boolean>
}

/** What {@link IdempotencyEngine.begin} decided. */
export type Begun =
  | { kind: 'execute'; lease: Lease }
  | { kind: 'replay'; result: string; fromCache: boolean }

/** Options of {@link IdempotencyEngine.begin}. */
export interface BeginOptions {
  /** Lease for this call, overriding the engine's. */
  lease?: Duration
  /** Retention window for this call, overriding the engine's. */
  ttl?: Duration
}

/** An idempotency engine: see {@link createIdempotency}. */
export interface IdempotencyEngine {
  /** The store in use. */
  readonly store: IdempotencyStore
  /**
   * Run `fn` at most once per key: the first call executes it and stores its result; a retry with
   * the same `input` gets the stored result (a fresh copy) without calling `fn`; a retry with a
   * different `input` throws `fingerprint_mismatch`; one that arrives while the first runs throws
   * `in_flight` (or waits, if configured).
   */
  run<T>(key: string, input: unknown, fn: (context: RunContext) => T | Promise<T>, options?: RunOptions): Promise<T>
  /** Like {@link IdempotencyEngine.run}, and also says whether the value was replayed. */
  runDetailed<T>(key: string, input: unknown, fn: (context: RunContext) => T | Promise<T>, options?: RunOptions): Promise<RunResult<T>>
  /** An idempotent version of `fn` with the same signature; see {@link WrapOptions}. */
  wrap<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, options: WrapOptions<A>): (...args: A) => Promise<Awaited<R>>
  /**
   * Low level: claim `storageKey` for a request with `fingerprint`. Returns a lease to execute
   * under, or the stored result string to replay; throws `in_flight` or `fingerprint_mismatch`.
   * The caller MUST complete or release an acquired lease.
   */
  begin(storageKey: string, fingerprint: string, options?: BeginOptions): Promise<Begun>
  /** The fingerprint of `input` as `run()` computes it. */
  fingerprint(input: unknown): Promise<string>
  /**
   * The string `run()` stores for a returned `value` (for helpers that complete a {@link Lease}
   * themselves, e.g. inside a database transaction, and must stay replayable by `run()`).
   */
  encodeResult(value: unknown): string
  /**
   * Decode a stored result written by `run()` or {@link IdempotencyEngine.encodeResult}: returns the
   * value, or throws the stored error (stored failures, results that were too large).
   */
  decodeResult(text: string): unknown
  /** The storage key of `key` under `scope`, validating the key (`invalid_key`). */
  storageKey(key: string, scope?: string): string
}

const DEFAULT_TTL = '24h'
const DEFAULT_LEASE = '60s'
const DEFAULT_STORE_TIMEOUT = '10s'
const MAX_POLL_MS = 1_000
/** How often `complete` is tried when the store fails (see ActiveLease.completeWithRetries). */
const COMPLETE_ATTEMPTS = 4
const COMPLETE_RETRY_FIRST_DELAY_MS = 50
/**
 * Longest pause between background attempts: of a completion after its quick retries failed, and of
 * the release that undoes a claim whose reply was lost (see Engine.acquire).
 */
const BACKGROUND_MAX_DELAY_MS = 1_000
/** First pause before undoing a claim whose reply was lost. */
const UNDO_CLAIM_FIRST_DELAY_MS = 100

/**
 * Create an idempotency engine.
 *
 * @example
 * ```ts
 * import { createIdempotency, MemoryStore } from '@idemkit/core'
 *
 * const engine = createIdempotency({ store: new MemoryStore(), ttl: '24h' })
 * const charge = await engine.run(request.idempotencyKey, request.body, () => payments.charge(request.body))
 * ```
 */
export function createIdempotency(options: IdempotencyOptions): IdempotencyEngine {
  return new Engine(options)
}

class Engine implements IdempotencyEngine {
  readonly store: IdempotencyStore
  private readonly ttlMs: number
  private readonly leaseMs: number
  private readonly storeTimeoutMs: number
  private readonly inFlight: InFlightPolicy
  private readonly heartbeat: boolean
  private readonly clock: () => number
  private readonly serializer: Serializer
  private readonly shouldStore: (outcome: Outcome) => boolean
  private readonly errorTypes: readonly ErrorClass[]
  private readonly hooks: IdempotencyHooks
  private readonly cache: LocalCache | undefined
  /**
   * The store-call timeout, or `undefined` for the built-in MemoryStore: its calls answer within the
   * same turn of the event loop and cannot hang, so watching them cost a promise and a timer entry
   * for nothing.
   */
  private readonly deadlines: DeadlineWatch | undefined
  /** @internal */
  readonly heartbeats = new HeartbeatScheduler()

  constructor(options: IdempotencyOptions) {
    if (options?.store === undefined || typeof options.store.acquire !== 'function') {
      throw new TypeError('createIdempotency: `store` is required (e.g. new MemoryStore())')
    }
    this.store = options.store
    this.ttlMs = toMilliseconds(options.ttl ?? DEFAULT_TTL, 'ttl')
    this.leaseMs = toMilliseconds(options.lease ?? DEFAULT_LEASE, 'lease')
    this.storeTimeoutMs = toMilliseconds(options.storeTimeout ?? DEFAULT_STORE_TIMEOUT, 'storeTimeout')
    // Exactly the built-in class: a subclass (a test double, a wrapper) may delay or hang.
    this.deadlines = Object.getPrototypeOf(this.store) === MemoryStore.prototype ? undefined : new DeadlineWatch(this.storeTimeoutMs)
    this.inFlight = options.inFlight ?? 'reject'
    if (this.inFlight !== 'reject') {
      const { timeoutMs, pollMs } = this.inFlight.wait
      if (!(timeoutMs > 0) || (pollMs !== undefined && !(pollMs > 0))) {
        throw new RangeError('inFlight.wait: timeoutMs (and pollMs when given) must be positive numbers of milliseconds')
      }
    }
    this.heartbeat = options.heartbeat ?? true
    this.clock = options.clock ?? Date.now
    this.serializer = options.serializer ?? jsonSerializer
    this.shouldStore = options.shouldStore ?? ((outcome) => outcome.ok)
    this.errorTypes = options.errorTypes ?? []
    this.hooks = options.hooks ?? {}
    this.cache = options.localCache === undefined ? undefined : new LocalCache(options.localCache.maxEntries)
  }

  fingerprint(input: unknown): Promise<string> {
    return defaultFingerprint(input)
  }

  encodeResult(value: unknown): string {
    return encodeValue(this.serializer, value)
  }

  decodeResult(text: string): unknown {
    return decodeOutcome(this.serializer, text, this.errorTypes)
  }

  storageKey(key: string, scope?: string): string {
    assertValidKey(key)
    return storageKey(key, scope)
  }

  async run<T>(key: string, input: unknown, fn: (context: RunContext) => T | Promise<T>, options?: RunOptions): Promise<T> {
    return (await this.runDetailed(key, input, fn, options)).value
  }

  async runDetailed<T>(
    key: string,
    input: unknown,
    fn: (context: RunContext) => T | Promise<T>,
    options: RunOptions = {},
  ): Promise<RunResult<T>> {
    const stored = this.storageKey(key, options.scope)
    const fingerprint = options.fingerprint ?? fingerprintNow(input) ?? (await defaultFingerprint(input))
    const begun = await this.begin(stored, fingerprint, options)
    if (begun.kind === 'replay') {
      return { value: this.decodeResult(begun.result) as T, replayed: true }
    }
    const { lease } = begun
    let value: T
    try {
      value = await fn({
        key,
        storageKey: stored,
        get signal() {
          return lease.signal
        },
      })
    } catch (error) {
      await this.settleFailure(lease, error)
      throw error
    }
    if (!this.shouldStore({ ok: true, value })) {
      await this.releaseQuietly(lease)
      return { value, replayed: false }
    }
    let text: string
    try {
      text = this.encodeResult(value)
    } catch (error) {
      // Not serialisable (a cycle, a custom serializer's refusal): a programming error that shows on
      // the first call. Release so the key is not stuck, and surface it.
      await this.releaseQuietly(lease)
      throw error
    }
    await this.completeOrMark(lease, text)
    return { value, replayed: false }
  }

  wrap<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, options: WrapOptions<A>): (...args: A) => Promise<Awaited<R>> {
    if (typeof options?.key !== 'function') throw new TypeError('wrap: `key` must be a function of the arguments')
    const engine = this
    const { key, fingerprint, scope, ttl, lease } = options
    return async function idempotentCall(this: unknown, ...args: A): Promise<Awaited<R>> {
      const input = fingerprint === undefined ? args : fingerprint(...args)
      const runOptions: RunOptions = { scope: typeof scope === 'function' ? scope(...args) : scope }
      if (ttl !== undefined) runOptions.ttl = ttl
      if (lease !== undefined) runOptions.lease = lease
      return engine.run(key(...args), input, () => fn.apply(this, args), runOptions) as Promise<Awaited<R>>
    }
  }

  async begin(stored: string, fingerprint: string, options: BeginOptions = {}): Promise<Begun> {
    const leaseMs = options.lease === undefined ? this.leaseMs : toMilliseconds(options.lease, 'lease')
    const ttlMs = options.ttl === undefined ? this.ttlMs : toMilliseconds(options.ttl, 'ttl')
    if (this.cache !== undefined) {
      const cached = this.cache.get(stored, this.clock())
      if (cached !== undefined) {
        if (cached.fingerprint !== fingerprint) throw this.mismatch(stored, fingerprint)
        fireHook(this.hooks.onReplay, { key: stored, fingerprint, fromCache: true })
        return { kind: 'replay', result: cached.result, fromCache: true }
      }
    }
    const deadline = this.inFlight === 'reject' ? 0 : Date.now() + this.inFlight.wait.timeoutMs
    let pollMs = this.inFlight === 'reject' ? 0 : (this.inFlight.wait.pollMs ?? 50)
    for (;;) {
      const token = randomToken()
      const now = this.clock()
      const lockedUntil = now + leaseMs
      const result = await this.acquire({ key: stored, fingerprint, token, now, lockedUntil, expiresAt: Math.max(now + ttlMs, lockedUntil) })
      let decision: Decision = decideAfterAcquire(result, fingerprint, now)
      if (decision.kind === 'execute') {
        fireHook(this.hooks.onExecute, { key: stored, fingerprint })
        return { kind: 'execute', lease: new ActiveLease(this, stored, token, fingerprint, lockedUntil, leaseMs, ttlMs) }
      }
      // In flight and configured to wait: poll reads until it completes, frees up, or time runs out.
      while (decision.kind === 'in_flight' && Date.now() < deadline) {
        await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())))
        pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5)
        const record = await this.callStore('get', stored, () => this.store.get(stored))
        const read = decideAfterRead(record, fingerprint, this.clock())
        if (read.kind === 'absent') break
        decision = read
      }
      if (decision.kind === 'in_flight' && Date.now() < deadline) continue // freed up: try to acquire again
      return this.finishDecision(stored, fingerprint, decision)
    }
  }

  /**
   * `store.acquire`. When it fails (a timeout, a dropped connection) the claim may still land later:
   * a client that queued or resent the command while disconnected (ioredis does both) delivers it
   * once the server is back, and the key is then held by a token nobody owns, answering every retry
   * `in_flight` until the lease lapses. So a failed claim is undone in the background: a release
   * fenced by its token, retried while the store stays unreachable, harmless if the claim never
   * landed. It stops at the first answer the store gives; on a client that keeps one ordered
   * connection (ioredis) that answer comes after the late claim, which it then removes.
   */
  private async acquire(input: AcquireInput): Promise<AcquireResult> {
    try {
      return await this.callStore('acquire', input.key, () => this.store.acquire(input))
    } catch (error) {
      if (error instanceof IdempotencyStoreError) {
        const release = { key: input.key, token: input.token }
        retryInBackground(() => this.callStore('release', input.key, () => this.store.release(release)), {
          firstDelayMs: UNDO_CLAIM_FIRST_DELAY_MS,
          maxDelayMs: BACKGROUND_MAX_DELAY_MS,
          timeLeft: () => input.lockedUntil - this.clock(),
          cancelled: () => false,
        })
      }
      throw error
    }
  }

  private finishDecision(stored: string, fingerprint: string, decision: Decision): Begun {
    switch (decision.kind) {
      case 'replay': {
        const record = decision.record as IdempotencyRecord & { result: string }
        if (this.cache !== undefined) {
          this.cache.set(stored, { fingerprint, result: record.result, expiresAt: record.expiresAt })
        }
        fireHook(this.hooks.onReplay, { key: stored, fingerprint, fromCache: false })
        return { kind: 'replay', result: record.result ?? '', fromCache: false }
      }
      case 'mismatch':
        throw this.mismatch(stored, fingerprint)
      case 'in_flight':
        fireHook(this.hooks.onInFlight, { key: stored, fingerprint, retryAfterMs: decision.retryAfterMs })
        throw new InFlightError(decision.retryAfterMs)
      default:
        throw new Error(`unreachable decision ${decision.kind}`)
    }
  }

  private mismatch(stored: string, fingerprint: string): FingerprintMismatchError {
    fireHook(this.hooks.onMismatch, { key: stored, fingerprint })
    return new FingerprintMismatchError()
  }

  /** Store the result; if it is too large, store the marker instead and raise the size error. */
  private async completeOrMark(lease: Lease, text: string): Promise<void> {
    try {
      await lease.complete(text)
    } catch (error) {
      if (!(error instanceof ResultTooLargeError)) throw error
      await lease.complete(encodeTooLarge(error))
      throw error
    }
  }

  private async settleFailure(lease: Lease, error: unknown): Promise<void> {
    if (!this.shouldStore({ ok: false, error })) {
      await this.releaseQuietly(lease)
      return
    }
    let text: string
    try {
      text = encodeError(this.serializer, error)
    } catch {
      await this.releaseQuietly(lease)
      return
    }
    try {
      await this.completeOrMark(lease, text)
    } catch {
      // The function's own error is what the caller must see; store problems went to the hooks.
    }
  }

  /**
   * Release after a failure. A store or lease error here must not hide the function's own outcome:
   * it is reported to the hooks, and the lease lapses on its own.
   */
  private async releaseQuietly(lease: Lease): Promise<void> {
    try {
      await lease.release()
    } catch {
      // Reported through onStoreError by callStore; the record's lease lapses by itself.
    }
  }

  /** @internal Call the store, bounded by the store timeout, turning failures into store errors. */
  async callStore<T>(operation: StoreOperation, key: string, call: () => Promise<T>): Promise<T> {
    try {
      const { deadlines } = this
      return await (deadlines === undefined ? call() : deadlines.bound(call(), () => new Error(`timed out after ${this.storeTimeoutMs} ms`)))
    } catch (cause) {
      if (cause instanceof IdempotencyError) throw cause
      const error = new IdempotencyStoreError(operation, this.store.name ?? 'store', { cause })
      fireHook(this.hooks.onStoreError, { key, error })
      throw error
    }
  }

  /** @internal */
  now(): number {
    return this.clock()
  }

  /** @internal */
  get heartbeatEnabled(): boolean {
    return this.heartbeat && typeof this.store.extend === 'function'
  }

  /** @internal */
  leaseLost(key: string, fingerprint: string): LeaseLostError {
    const error = new LeaseLostError(key)
    fireHook(this.hooks.onLeaseLost, { key, fingerprint, error })
    return error
  }

  /** @internal */
  cacheCompletion(key: string, fingerprint: string, result: string, expiresAt: number): void {
    this.cache?.set(key, { fingerprint, result, expiresAt })
  }

  /** @internal */
  forgetCompletion(key: string): void {
    this.cache?.delete(key)
  }
}

/** The lease of one acquired execution, with its heartbeat. */
class ActiveLease implements Lease, Beating {
  // Created only when someone reads `signal`: an AbortController per execution cost ~20% of a
  // new-key run on Node 20 (AbortSignals are tracked by the GC), and most functions never look.
  private controller: AbortController | undefined
  private lostReason: LeaseLostError | undefined
  private settled = false
  /** Set once complete/release started: an extend that then fails lost nothing. */
  private finishing = false
  /** @internal Heartbeat bookkeeping (see HeartbeatScheduler). */
  nextBeatAt = 0
  readonly beatEveryMs: number

  constructor(
    private readonly engine: Engine,
    readonly key: string,
    readonly token: string,
    readonly fingerprint: string,
    private lockedUntil: number,
    private readonly leaseMs: number,
    private readonly ttlMs: number,
  ) {
    this.beatEveryMs = Math.max(1, leaseMs / 2)
    if (engine.heartbeatEnabled) engine.heartbeats.add(this)
  }

  /** @internal One heartbeat: renew the lease unless it is settled; false once it is lost. */
  async beat(): Promise<boolean> {
    if (this.settled) return false
    return this.extend()
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController()
      if (this.lostReason !== undefined) this.controller.abort(this.lostReason)
    }
    return this.controller.signal
  }

  expiresAt(): number {
    return this.engine.now() + this.ttlMs
  }

  async complete(
    result: string,
    commit?: (input: { key: string; token: string; result: string; expiresAt: number }) => Promise<boolean>,
  ): Promise<void> {
    const limit = this.engine.store.maxResultBytes
    if (limit !== undefined && result.length > limit / 3) {
      const bytes = utf8ByteLength(result)
      if (bytes > limit) throw new ResultTooLargeError(bytes, limit)
    }
    this.stopHeartbeat()
    const input = { key: this.key, token: this.token, result, expiresAt: this.expiresAt() }
    const completed =
      commit === undefined
        ? await this.completeWithRetries(input)
        : await this.engine.callStore('complete', this.key, () => commit(input))
    this.settled = true
    if (!completed) throw this.engine.leaseLost(this.key, this.fingerprint)
    this.engine.cacheCompletion(this.key, this.fingerprint, result, input.expiresAt)
  }

  /**
   * `store.complete`, retried while the lease still holds when the store fails. The side effect has
   * already happened: giving up at the first store hiccup leaves the key in progress until the lease
   * lapses, and the client's retry then executes it a second time (seen in the chaos suite against a
   * stalling store). A retry after an attempt whose reply was lost may find the record already
   * completed by that attempt: reading it back tells that success apart from a lost lease.
   */
  private async completeWithRetries(input: CompleteInput): Promise<boolean> {
    // The usual case, one call with nothing around it: the retry loop below only starts on a failure.
    try {
      return await this.storeCompletion(input)
    } catch (error) {
      return this.completeAfterFailure(input, error)
    }
  }

  /** One `store.complete`, through the engine's store call. */
  private storeCompletion(input: CompleteInput): Promise<boolean> {
    return this.engine.callStore('complete', this.key, () => this.engine.store.complete(input))
  }

  /** The rest of {@link completeWithRetries}, after its first attempt failed with `firstError`. */
  private async completeAfterFailure(input: CompleteInput, firstError: unknown): Promise<boolean> {
    let delayMs = COMPLETE_RETRY_FIRST_DELAY_MS
    let error = firstError
    for (let attempt = 1; ; attempt++) {
      const timeLeft = this.lockedUntil - this.engine.now()
      if (!(error instanceof IdempotencyStoreError) || timeLeft <= delayMs) throw error
      if (attempt >= COMPLETE_ATTEMPTS) {
        this.completeInBackground(input, delayMs)
        throw error
      }
      await sleep(delayMs)
      delayMs *= 4
      try {
        return await this.retryComplete(input)
      } catch (next) {
        error = next
      }
    }
  }

  /**
   * `store.complete` again after a failed attempt: a `false` may then mean that attempt landed and
   * only its reply was lost, so reading the record back tells that apart from a lost lease.
   */
  private async retryComplete(input: CompleteInput): Promise<boolean> {
    if (await this.storeCompletion(input)) return true
    const record = await this.engine.callStore('get', this.key, () => this.engine.store.get(this.key))
    return record?.token === this.token && record.status === 'completed' && record.result === input.result
  }

  /**
   * The caller has been told the store failed, but the result is known and the lease still holds:
   * keep trying to store it, every {@link BACKGROUND_MAX_DELAY_MS} at most, until it is
   * stored, the lease is lost or released, or the lease would lapse. Without this, a store outage
   * longer than the foreground retries leaves the key in progress until the lease lapses (every
   * retry answered `in_flight`), and the first retry after that executes the side effect again.
   * Fenced by the token like any completion, so it can never overwrite a newer owner.
   */
  private completeInBackground(input: CompleteInput, firstDelayMs: number): void {
    retryInBackground(
      async () => {
        if (await this.retryComplete(input)) this.engine.cacheCompletion(this.key, this.fingerprint, input.result, input.expiresAt)
      },
      {
        firstDelayMs,
        maxDelayMs: BACKGROUND_MAX_DELAY_MS,
        timeLeft: () => this.lockedUntil - this.engine.now(),
        // settled: released, or completed some other way; a completion that threw leaves it unset.
        cancelled: () => this.settled,
      },
    )
  }

  async release(): Promise<boolean> {
    this.stopHeartbeat()
    this.settled = true
    // A custom `commit` (e.g. a fenced UPDATE inside a database transaction) may have reported success
    // and been cached, then its transaction failed to COMMIT and the caller releases: without this,
    // the process would replay a result that never committed.
    this.engine.forgetCompletion(this.key)
    return this.engine.callStore('release', this.key, () => this.engine.store.release({ key: this.key, token: this.token }))
  }

  async extend(): Promise<boolean> {
    const extend = this.engine.store.extend
    if (extend === undefined) return this.lostReason === undefined
    const lockedUntil = this.engine.now() + this.leaseMs
    const extended = await this.engine.callStore('extend', this.key, () =>
      extend.call(this.engine.store, { key: this.key, token: this.token, lockedUntil }),
    )
    if (extended) {
      this.lockedUntil = lockedUntil
    } else if (this.lostReason === undefined && !this.finishing) {
      // (A beat that was in flight while complete() ran finds the record completed: not a loss.)
      this.lostReason = this.engine.leaseLost(this.key, this.fingerprint)
      this.controller?.abort(this.lostReason)
    }
    return extended
  }

  /** Stop beating; from here on a failed in-flight extend is the completion's doing, not a loss. */
  private stopHeartbeat(): void {
    this.finishing = true
    this.engine.heartbeats.remove(this)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
