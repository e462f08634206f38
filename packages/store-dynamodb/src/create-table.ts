/**
 * `createIdempotencyTable`: create (or verify) the table for development and tests. Production
 * tables belong in your infrastructure code: the README has CloudFormation, CDK and Terraform
 * versions of the same definition.
 *
 * @module
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import { DEFAULT_ATTRIBUTES, type AttributeNames } from './item.js'

/** Options of {@link createIdempotencyTable}. */
export interface CreateTableOptions {
  /** Partition key and TTL attribute names; must match what the store is given. */
  attributes?: AttributeNames
  /** Longest wait, in seconds, for the table to become ACTIVE. Default 120. */
  maxWaitSeconds?: number
}

/** What {@link createIdempotencyTable} did. */
export interface CreateTableResult {
  /** False when the table already existed (and had the expected key schema). */
  created: boolean
  /** Whether native TTL is on for the TTL attribute (false on servers without TTL, e.g. dynalite). */
  timeToLive: boolean
}

/**
 * Create the idempotency table if it does not exist, wait until it is ACTIVE, and turn on native
 * TTL for the TTL attribute. Idempotent: an existing table is verified (partition key only, of type
 * string, named as configured) rather than recreated.
 *
 * The table: partition key `id` (S), no sort key, on-demand billing, TTL on `ttl` (epoch seconds).
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { createIdempotencyTable, dynamodbStore } from '@idemkit/store-dynamodb'
 *
 * const client = new DynamoDBClient({})
 * await createIdempotencyTable(client, 'idempotency')
 * const store = dynamodbStore({ client, table: 'idempotency' })
 * ```
 */
export async function createIdempotencyTable(
  client: DynamoDBClient,
  table: string,
  options: CreateTableOptions = {},
): Promise<CreateTableResult> {
  const attributes = { ...DEFAULT_ATTRIBUTES, ...options.attributes }
  let created = true
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: attributes.key, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: attributes.key, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
  } catch (error) {
    // ResourceInUseException: it exists (or is being created by a concurrent call): verify below.
    if (errorName(error) !== 'ResourceInUseException') throw error
    created = false
  }
  // Short polling: a new on-demand table is usually ACTIVE within seconds; the SDK's default
  // 20 s first delay would make every dev start-up wait for nothing.
  await waitUntilTableExists({ client, minDelay: 1, maxDelay: 5, maxWaitTime: options.maxWaitSeconds ?? 120 }, { TableName: table })
  if (!created) await verifyKeySchema(client, table, attributes.key)
  const timeToLive = await enableTimeToLive(client, table, attributes.ttl)
  return { created, timeToLive }
}

/**
 * An existing table with another key schema would fail every write with a ValidationException
 * (reported as store_unavailable): say exactly what is wrong instead.
 */
async function verifyKeySchema(client: DynamoDBClient, table: string, keyAttribute: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }))
  const keys = Table?.KeySchema ?? []
  const type = Table?.AttributeDefinitions?.find((definition) => definition.AttributeName === keyAttribute)?.AttributeType
  const ok = keys.length === 1 && keys[0]?.AttributeName === keyAttribute && keys[0]?.KeyType === 'HASH' && type === 'S'
  if (!ok) {
    const found = keys.map((key) => `${key.AttributeName} (${key.KeyType})`).join(', ')
    throw new Error(
      `createIdempotencyTable: table "${table}" exists with key schema [${found}], expected only a string partition key "${keyAttribute}"`,
    )
  }
}

/** Turn on native TTL (garbage collection only) unless it already is. Returns whether TTL is on. */
async function enableTimeToLive(client: DynamoDBClient, table: string, ttlAttribute: string): Promise<boolean> {
  const { TimeToLiveDescription: current } = await client.send(new DescribeTimeToLiveCommand({ TableName: table }))
  const status = current?.TimeToLiveStatus
  if (status === 'ENABLED' || status === 'ENABLING') {
    if (current?.AttributeName === ttlAttribute) return true
    throw new Error(
      `createIdempotencyTable: table "${table}" has TTL on "${current?.AttributeName}", but the store writes its TTL to "${ttlAttribute}": expired records would never be collected`,
    )
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }),
    )
    return true
  } catch (error) {
    // Local emulators (dynalite) do not implement UpdateTimeToLive. TTL is garbage collection only:
    // the store compares exact deadlines itself, so records stay correct, they are just kept.
    if (errorName(error) === 'UnknownOperationException') return false
    throw error
  }
}

function errorName(error: unknown): unknown {
  return (error as { name?: unknown } | undefined)?.name
}
