import type {
  AcquireInput,
  AcquireResult,
  CompleteInput,
  ExtendInput,
  IdempotencyRecord,
  IdempotencyStore,
  ReleaseInput,
} from '@idemkit/core'
import { assertValidPrefix, DEFAULT_PREFIX, recordKey } from './record-key.js'
import { parseAcquireReply, parseFlag, parseHashReply, RECORD_FIELDS } from './reply.js'
import { runScript, type RedisClient } from './run-script.js'
import { ACQUIRE, COMPLETE, EXTEND, RELEASE } from './scripts.js'

/**
 * Redis refuses any single argument longer than `proto-max-bulk-len` (512 MiB by default), so that is
 * the largest result `complete` can send.
 */
const REDIS_MAX_BULK_BYTES = 512 * 1024 * 1024

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis client you built and own: `new Redis(url, options)` or `new Cluster(nodes, options)`.
   * The store never connects, reconnects or quits it. See the package README for the client options
   * that bound a dead server's latency (`commandTimeout`, `maxRetriesPerRequest`).
   */
  client: RedisClient
  /**
   * Prefix of every Redis key the store writes; must not contain `{` or `}`. Default `'idemkit:'`.
   * A record of storage key `k` lives at `<prefix>{<k with % and } percent-encoded>}`.
   */
  prefix?: string
  /**
   * Largest result (UTF-8 bytes) to send. Default 512 MiB, Redis's default `proto-max-bulk-len`;
   * lower it if your server's is lower, so an oversized result becomes a stored `result_too_large`
   * marker (a retry does not re-execute) instead of a failed `complete`.
   */
  maxResultBytes?: number
}

/** The store {@link redisStore} returns: an {@link IdempotencyStore} with a lease heartbeat. */
export interface RedisStore extends IdempotencyStore {
  /** The client the store sends its commands through. */
  readonly client: RedisClient
  /** The key prefix in use. */
  readonly prefix: string
  /** Largest result (UTF-8 bytes) `complete` sends; the core stores a marker for larger ones. */
  readonly maxResultBytes: number
  /**
   * Heartbeat: move `lockedUntil` of the caller's in-progress record (fenced by token). When the new
   * lease outlives `expiresAt`, `expiresAt` and the server-side expiry move with it.
   */
  extend(input: ExtendInput): Promise<boolean>
  /** The Redis key that holds the record of `storageKey` (for debugging and tooling). */
  keyOf(storageKey: string): string
}

/**
 * An idempotency store on Redis (or Valkey), standalone or Redis Cluster, through ioredis.
 *
 * Every method is ONE command: `acquire`, `complete`, `release` and `extend` are Lua scripts (atomic
 * on the server, sent by `EVALSHA`, falling back to `EVAL` on `NOSCRIPT`), `get` is an `HMGET`. A new
 * key therefore costs 2 round trips through `run()` (acquire + complete) and a replay 1. Each record
 * is a single hash key, so every call touches one slot of a cluster. Server-side expiry
 * (`PEXPIREAT` at the core's `expiresAt`) only collects garbage: liveness is decided by comparing the
 * core's `now` inside the script. Keep the application's and Redis's clocks in sync (NTP): a server
 * clock running ahead collects completed records early by that much.
 *
 * @example
 * ```ts
 * import { createIdempotency } from '@idemkit/core'
 * import { redisStore } from '@idemkit/store-redis'
 * import { Redis } from 'ioredis'
 *
 * const client = new Redis(process.env.REDIS_URL, { commandTimeout: 2_000, maxRetriesPerRequest: 1 })
 * const engine = createIdempotency({ store: redisStore({ client }), ttl: '24h' })
 * const charge = await engine.run(idempotencyKey, body, () => payments.charge(body))
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisIdempotencyStore(options)
}

class RedisIdempotencyStore implements RedisStore {
  readonly name = 'redis'
  readonly client: RedisClient
  readonly prefix: string
  readonly maxResultBytes: number

  constructor(options: RedisStoreOptions) {
    const client = options?.client as Partial<RedisClient> | undefined
    if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function' || typeof client.hmget !== 'function') {
      throw new TypeError('redisStore: `client` must be an ioredis Redis or Cluster instance')
    }
    this.client = options.client
    const prefix = options.prefix ?? DEFAULT_PREFIX
    assertValidPrefix(prefix)
    this.prefix = prefix
    const maxResultBytes = options.maxResultBytes ?? REDIS_MAX_BULK_BYTES
    if (!Number.isSafeInteger(maxResultBytes) || maxResultBytes < 1) {
      throw new RangeError(`redisStore: \`maxResultBytes\` must be a positive integer, got ${String(options.maxResultBytes)}`)
    }
    this.maxResultBytes = maxResultBytes
  }

  keyOf(storageKey: string): string {
    return recordKey(this.prefix, storageKey)
  }

  async acquire(input: AcquireInput): Promise<AcquireResult> {
    const reply = await runScript(this.client, ACQUIRE, this.keyOf(input.key), [
      millis(input.now),
      input.fingerprint,
      input.token,
      millis(input.lockedUntil),
      millis(input.expiresAt),
      gcDeadline(input.expiresAt),
    ])
    return parseAcquireReply(input.key, reply)
  }

  async complete(input: CompleteInput): Promise<boolean> {
    const reply = await runScript(this.client, COMPLETE, this.keyOf(input.key), [
      input.token,
      input.result,
      millis(input.expiresAt),
      gcDeadline(input.expiresAt),
    ])
    return parseFlag(reply, COMPLETE.name)
  }

  async release(input: ReleaseInput): Promise<boolean> {
    const reply = await runScript(this.client, RELEASE, this.keyOf(input.key), [input.token])
    return parseFlag(reply, RELEASE.name)
  }

  async extend(input: ExtendInput): Promise<boolean> {
    const reply = await runScript(this.client, EXTEND, this.keyOf(input.key), [
      input.token,
      millis(input.lockedUntil),
      gcDeadline(input.lockedUntil),
    ])
    return parseFlag(reply, EXTEND.name)
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const reply: unknown = await this.client.hmget(this.keyOf(key), ...RECORD_FIELDS)
    return parseHashReply(key, reply)
  }
}

/**
 * An epoch-ms time as the decimal string stored in the hash. `String()` of an integer below 1e21
 * never uses exponent notation, so the stored text parses back to the same number.
 */
function millis(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`[redis] expected epoch milliseconds, got ${String(value)}`)
  return String(value)
}

/** The `PEXPIREAT` argument for a deadline: an integer, rounded up so collection never comes early. */
function gcDeadline(value: number): string {
  return millis(Math.ceil(value))
}
