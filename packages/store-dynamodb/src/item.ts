/**
 * The item layout: one DynamoDB item per storage key, and its conversion to and from an
 * {@link IdempotencyRecord}.
 *
 * | attribute | type | meaning |
 * | --- | --- | --- |
 * | `id` (configurable) | S | the storage key: the table's partition key |
 * | `status` | S | `in_progress` or `completed` |
 * | `fingerprint` | S | fingerprint of the request that created the record |
 * | `token` | S | the fencing token of the execution that owns the record |
 * | `lockedUntil` | N | epoch ms at which an in-progress lease lapses |
 * | `expiresAt` | N | epoch ms at which the record stops being live |
 * | `ttl` (configurable) | N | epoch **seconds**, for DynamoDB's native TTL: garbage collection only |
 * | `result` | B | the stored result (completed records only), see `result-codec.ts` |
 * | `resultEncoding` | S | how `result` is encoded |
 *
 * @module
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { IdempotencyRecord } from '@idemkit/core'
import { decodeResult } from './result-codec.js'

/** Names of the two attributes the table definition depends on. */
export interface AttributeNames {
  /** The partition key attribute (type S). Default `'id'`. */
  key?: string
  /** The attribute DynamoDB's TTL is enabled on (type N, epoch seconds). Default `'ttl'`. */
  ttl?: string
}

/** Default attribute names of the table. */
export const DEFAULT_ATTRIBUTES: Required<AttributeNames> = { key: 'id', ttl: 'ttl' }

/** A DynamoDB item as the low-level client returns it. */
export type Item = Record<string, AttributeValue>

/**
 * The TTL attribute value: epoch seconds, rounded UP so DynamoDB can never collect a record before
 * its epoch-ms deadline (rounding down would let it delete a live record up to 999 ms early).
 */
export function ttlSeconds(deadlineMs: number): AttributeValue {
  return number(Math.ceil(deadlineMs / 1000))
}

/** A number attribute. DynamoDB numbers travel as decimal strings, so epoch ms stay exact. */
export function number(value: number): AttributeValue {
  return { N: String(value) }
}

/** A string attribute. */
export function string(value: string): AttributeValue {
  return { S: value }
}

/** Turn a stored item back into a record. Throws a clear error for an item we did not write. */
export async function itemToRecord(item: Item, attributes: Required<AttributeNames>): Promise<IdempotencyRecord> {
  const key = readString(item, attributes.key)
  const status = readString(item, 'status')
  if (status !== 'in_progress' && status !== 'completed') {
    throw new Error(`dynamodb store: item ${JSON.stringify(key)} has status ${JSON.stringify(status)}; is the table shared with other data?`)
  }
  const record: IdempotencyRecord = {
    key,
    status,
    fingerprint: readString(item, 'fingerprint'),
    token: readString(item, 'token'),
    lockedUntil: readNumber(item, 'lockedUntil'),
    expiresAt: readNumber(item, 'expiresAt'),
  }
  if (status === 'completed') {
    const bytes = item.result?.B
    if (bytes === undefined) throw new Error(`dynamodb store: completed item ${JSON.stringify(key)} has no binary "result" attribute`)
    record.result = await decodeResult(bytes, readString(item, 'resultEncoding'))
  }
  return record
}

function readString(item: Item, name: string): string {
  const value = item[name]?.S
  if (value === undefined) throw new Error(`dynamodb store: item attribute "${name}" is missing or not a string; is the table shared with other data?`)
  return value
}

function readNumber(item: Item, name: string): number {
  const text = item[name]?.N
  const value = text === undefined ? Number.NaN : Number(text)
  if (!Number.isFinite(value)) throw new Error(`dynamodb store: item attribute "${name}" is missing or not a number`)
  return value
}
