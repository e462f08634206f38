/**
 * The DynamoDB store: one item per storage key, claimed with ONE conditional `PutItem`, completed,
 * released and extended with writes conditioned on the fencing token.
 *
 * ## Why `acquire` is atomic
 * DynamoDB evaluates a `ConditionExpression` and applies the write as one atomic step on the item,
 * so of N concurrent `PutItem`s whose condition is "no live record" exactly one succeeds; every other
 * one fails with `ConditionalCheckFailedException` and writes nothing. With
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`, AWS puts the item that failed the condition into
 * that error, so a loser learns the live record in the same round trip (1 request per replay).
 *
 * ## Why there is sometimes a second read
 * DynamoDB-compatible servers that ignore `ReturnValuesOnConditionCheckFailure` (dynalite, which
 * our tests use, and older DynamoDB Local builds) fail the condition without the item. Only then we
 * read it with one strongly consistent `GetItem`. See {@link DynamoDBStore.acquire} for the race
 * between the two calls and why it is safe.
 *
 * @module
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import type {
  AcquireInput,
  AcquireResult,
  CompleteInput,
  ExtendInput,
  IdempotencyRecord,
  IdempotencyStore,
  ReleaseInput,
} from '@idemkit/core'
import { isLive, ResultTooLargeError } from '@idemkit/core'
import { DEFAULT_ATTRIBUTES, itemToRecord, number, string, ttlSeconds, type AttributeNames, type Item } from './item.js'
import { encodeResult } from './result-codec.js'

/** DynamoDB's hard limit on one item: attribute names plus values, in bytes (400 KB). */
export const MAX_ITEM_BYTES = 400 * 1024

/**
 * Bytes kept free for everything in the item except the result: attribute names, the key (up to
 * 2,048 bytes for a partition key), fingerprint, token and numbers. 4 KiB covers a maximal key with
 * a SHA-256 fingerprint; an even larger item is still refused cleanly (see `complete`).
 */
const ITEM_OVERHEAD_BYTES = 4 * 1024

/** Largest stored result in bytes: what is left of an item after {@link ITEM_OVERHEAD_BYTES}. */
export const MAX_RESULT_BYTES = MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES

/**
 * How many conditional puts one `acquire` makes at most. A put is retried only when it lost to a
 * record that had disappeared by the time we read it (see `acquire`); three in a row means the key
 * is being released and re-claimed continuously, and we fail rather than loop.
 */
const MAX_CLAIM_ATTEMPTS = 3

/** Options of {@link dynamodbStore}. */
export interface DynamoDBStoreOptions {
  /**
   * A `DynamoDBClient` you built (region, credentials, retries, timeouts are yours). Recommended:
   * `maxAttempts: 3` and `requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000,
   * throwOnRequestTimeout: true }`, so throttling and network errors are retried within a bound and
   * then surface as `store_unavailable`. Without `throwOnRequestTimeout` the SDK only logs a
   * warning when `requestTimeout` passes and keeps waiting (the engine's `storeTimeout`, 10 s by
   * default, still bounds the request).
   */
  client: DynamoDBClient
  /** Name of the table (see `createIdempotencyTable` and the README for its definition). */
  table: string
  /** Names of the partition key and TTL attributes, when your table uses other ones. */
  attributes?: AttributeNames
  /**
   * Gzip results of 1 KiB or more (with the platform's `CompressionStream`), so results larger than
   * DynamoDB's 400 KB item limit fit when they compress well. Default false. The limit then applies
   * to the compressed size, which is only known at `complete`: a result still too large raises
   * `ResultTooLargeError` there, before anything is written.
   */
  compress?: boolean
}

/** An {@link IdempotencyStore} backed by one DynamoDB table. Create it with {@link dynamodbStore}. */
export class DynamoDBStore implements IdempotencyStore {
  readonly name = 'dynamodb'
  /**
   * Largest result in UTF-8 bytes ({@link MAX_RESULT_BYTES}); the core refuses larger ones before
   * writing. Undefined with `compress: true`, where `complete` checks the compressed size itself.
   */
  readonly maxResultBytes: number | undefined
  /** The table name. */
  readonly table: string
  /** The partition key and TTL attribute names in use. */
  readonly attributes: Readonly<Required<AttributeNames>>
  private readonly client: DynamoDBClient
  private readonly compress: boolean

  constructor(options: DynamoDBStoreOptions) {
    if (typeof options?.client?.send !== 'function') {
      throw new TypeError('dynamodbStore: `client` must be a DynamoDBClient from @aws-sdk/client-dynamodb')
    }
    if (typeof options.table !== 'string' || options.table.length === 0) {
      throw new TypeError('dynamodbStore: `table` must be the name of the idempotency table')
    }
    this.client = options.client
    this.table = options.table
    this.attributes = { ...DEFAULT_ATTRIBUTES, ...options.attributes }
    this.compress = options.compress ?? false
    this.maxResultBytes = this.compress ? undefined : MAX_RESULT_BYTES
  }

  /**
   * Claim `key` with one conditional `PutItem`, or return its live record.
   *
   * On a lost claim without the item in the error (non-AWS servers), we read the item once. Between
   * the failed put and that read the blocking record may have changed:
   * - completed, extended, or replaced by another claimer: the read returns a record live at
   *   `now`, which is what blocks us now; returning it is exactly what a loser must get;
   * - released (the first execution failed), or replaced by a claimer whose clock runs far
   *   behind ours, so its lease has already lapsed at our `now`: the read finds no live record. Returning the stale record would make the core replay or reject on the basis of a
   *   record that no longer exists, so instead we try the conditional put again: it is atomic, so
   *   among several losers doing this at most one wins and the others get the new winner's record.
   * That retry happens at most {@link MAX_CLAIM_ATTEMPTS} times; then we throw (store_unavailable).
   */
  async acquire(input: AcquireInput): Promise<AcquireResult> {
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      const claim = await this.conditionalPut(input)
      if (claim.won) return { acquired: true }
      const item = claim.blocking ?? (await this.readItem(input.key))
      const record = item === undefined ? undefined : await itemToRecord(item, this.attributes)
      // Our own token: the SDK retried this very put after its first attempt's response was lost
      // (timeout, reset connection), and that attempt had written the record. Tokens are fresh per
      // claim, so nobody else can hold it. Reporting a loss here would leave the key "in flight"
      // with no one executing it until the lease lapses.
      if (record?.token === input.token && record.status === 'in_progress') return { acquired: true }
      // An item carried by the failure is the one that failed the condition: live by definition.
      if (record !== undefined && (claim.blocking !== undefined || isLive(record, input.now))) return { acquired: false, record }
    }
    throw new Error(
      `dynamodb store: key ${JSON.stringify(input.key)} was released or expired between each of ${MAX_CLAIM_ATTEMPTS} claims and reads; giving up`,
    )
  }

  async complete(input: CompleteInput): Promise<boolean> {
    const encoded = await encodeResult(input.result, this.compress)
    // Checked here too (not only by the core through maxResultBytes): with compression, or for a
    // result with lone surrogates (stored as UTF-16), only the encoded size tells. Throwing the
    // core's error lets the engine store its small marker, so a retry never re-executes.
    if (encoded.bytes.byteLength > MAX_RESULT_BYTES) throw new ResultTooLargeError(encoded.bytes.byteLength, MAX_RESULT_BYTES)
    const command = new UpdateItemCommand({
      TableName: this.table,
      Key: this.keyOf(input.key),
      UpdateExpression: 'SET #status = :completed, #result = :result, #resultEncoding = :encoding, #expiresAt = :expiresAt, #ttl = :ttl',
      ConditionExpression: '#token = :token AND #status = :inProgress',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#result': 'result',
        '#resultEncoding': 'resultEncoding',
        '#expiresAt': 'expiresAt',
        '#ttl': this.attributes.ttl,
        '#token': 'token',
      },
      ExpressionAttributeValues: {
        ':completed': string('completed'),
        ':inProgress': string('in_progress'),
        ':result': { B: encoded.bytes },
        ':encoding': string(encoded.encoding),
        ':expiresAt': number(input.expiresAt),
        ':ttl': ttlSeconds(input.expiresAt),
        ':token': string(input.token),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })
    try {
      await this.client.send(command)
      return true
    } catch (error) {
      // A huge key or fingerprint can still push the item over 400 KB: report it as the size
      // problem it is (the engine then stores its marker) rather than as an unavailable store.
      if (isItemTooLarge(error)) throw new ResultTooLargeError(encoded.bytes.byteLength, MAX_RESULT_BYTES, { cause: error })
      if (!isConditionFailed(error)) throw error
      // Usually the fence worked: another owner, or already completed. But when the SDK retried
      // this update after losing the response of an attempt that DID apply, the condition fails on
      // our own completion; answering false would raise lease_lost for a stored result. Only an
      // exact match (same token, result bytes and expiresAt) counts as ours, so a genuine second
      // completion still returns false.
      const item = blockingItem(error) ?? (await this.readItem(input.key))
      return (
        item?.status?.S === 'completed' &&
        item.token?.S === input.token &&
        item.expiresAt?.N === String(input.expiresAt) &&
        item.resultEncoding?.S === encoded.encoding &&
        sameBytes(item.result?.B, encoded.bytes)
      )
    }
  }

  /**
   * Delete the record if it carries `token`. (A delete retried by the SDK after a lost response
   * reports false although the first attempt deleted: harmless, the record is gone either way.)
   */
  async release(input: ReleaseInput): Promise<boolean> {
    const command = new DeleteItemCommand({
      TableName: this.table,
      Key: this.keyOf(input.key),
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':token': string(input.token) },
    })
    return this.fenced(() => this.client.send(command))
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.readItem(key)
    return item === undefined ? undefined : itemToRecord(item, this.attributes)
  }

  /**
   * Move the lease. The TTL attribute follows the new `lockedUntil`, so DynamoDB keeps the record
   * at least that long; `expiresAt` is left alone (it only matters once the record is completed,
   * and `complete` sets it). The TTL may end up earlier than the claim's `expiresAt`: harmless,
   * because an in-progress record past `lockedUntil` is not live anyway.
   */
  async extend(input: ExtendInput): Promise<boolean> {
    const command = new UpdateItemCommand({
      TableName: this.table,
      Key: this.keyOf(input.key),
      UpdateExpression: 'SET #lockedUntil = :lockedUntil, #ttl = :ttl',
      ConditionExpression: '#token = :token AND #status = :inProgress',
      ExpressionAttributeNames: { '#lockedUntil': 'lockedUntil', '#ttl': this.attributes.ttl, '#token': 'token', '#status': 'status' },
      ExpressionAttributeValues: {
        ':lockedUntil': number(input.lockedUntil),
        ':ttl': ttlSeconds(input.lockedUntil),
        ':token': string(input.token),
        ':inProgress': string('in_progress'),
      },
    })
    return this.fenced(() => this.client.send(command))
  }

  /** One conditional put of a fresh in-progress item; on failure, the blocking item if the server sent it. */
  private async conditionalPut(input: AcquireInput): Promise<{ won: true } | { won: false; blocking: Item | undefined }> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            [this.attributes.key]: string(input.key),
            status: string('in_progress'),
            fingerprint: string(input.fingerprint),
            token: string(input.token),
            lockedUntil: number(input.lockedUntil),
            expiresAt: number(input.expiresAt),
            [this.attributes.ttl]: ttlSeconds(Math.max(input.expiresAt, input.lockedUntil)),
          },
          // "No live record" (store contract): absent, completed and expired, or in progress with
          // a lapsed lease. Compared against the core's `now`, never the server's clock.
          ConditionExpression:
            'attribute_not_exists(#key) OR (#status = :completed AND #expiresAt <= :now) OR (#status = :inProgress AND #lockedUntil <= :now)',
          ExpressionAttributeNames: { '#key': this.attributes.key, '#status': 'status', '#expiresAt': 'expiresAt', '#lockedUntil': 'lockedUntil' },
          ExpressionAttributeValues: { ':now': number(input.now), ':completed': string('completed'), ':inProgress': string('in_progress') },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      return { won: true }
    } catch (error) {
      if (!isConditionFailed(error)) throw error
      return { won: false, blocking: blockingItem(error) }
    }
  }

  /**
   * Read the raw item. Strongly consistent: an eventually consistent read could miss a claim made a
   * moment ago and make a waiting duplicate believe the key is free.
   */
  private async readItem(key: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.table, Key: this.keyOf(key), ConsistentRead: true }))
    return Item
  }

  /** Run a write fenced by a condition: true when it happened, false when the condition failed. */
  private async fenced(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write()
      return true
    } catch (error) {
      if (isConditionFailed(error)) return false
      throw error
    }
  }

  private keyOf(key: string): Item {
    return { [this.attributes.key]: string(key) }
  }
}

/**
 * The item a failed conditional write carried (AWS with `ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'`), or undefined when the server did not send it and the caller must read it.
 */
export function blockingItem(error: unknown): Item | undefined {
  const item = (error as { Item?: Item } | undefined)?.Item
  return item !== undefined && Object.keys(item).length > 0 ? item : undefined
}

/**
 * Matched by name, not `instanceof`: an application bundling its own copy of the SDK would throw a
 * different class, and treating its condition failure as an outage would turn every replay into a 503.
 */
function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException'
}

function sameBytes(stored: Uint8Array | undefined, written: Uint8Array): boolean {
  if (stored === undefined || stored.byteLength !== written.byteLength) return false
  for (let index = 0; index < written.byteLength; index++) if (stored[index] !== written[index]) return false
  return true
}

function isItemTooLarge(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown }
  return name === 'ValidationException' && typeof message === 'string' && /item size .*exceeded/i.test(message)
}

/**
 * Create the DynamoDB idempotency store.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { createIdempotency } from '@idemkit/core'
 * import { dynamodbStore } from '@idemkit/store-dynamodb'
 *
 * const client = new DynamoDBClient({
 *   maxAttempts: 3,
 *   requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
 * })
 * const engine = createIdempotency({ store: dynamodbStore({ client, table: 'idempotency' }) })
 * const receipt = await engine.run(idempotencyKey, order, () => payments.charge(order))
 * ```
 */
export function dynamodbStore(options: DynamoDBStoreOptions): DynamoDBStore {
  return new DynamoDBStore(options)
}
