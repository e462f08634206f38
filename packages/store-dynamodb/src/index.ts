/**
 * `@idemkit/store-dynamodb`: an idemkit store on one DynamoDB table. Claims are one conditional
 * `PutItem`; completion, release and lease extension are writes conditioned on the fencing token;
 * DynamoDB's native TTL collects old records (correctness never waits for it).
 *
 * - {@link dynamodbStore}: the store, from a `DynamoDBClient` you built.
 * - {@link createIdempotencyTable}: create or verify the table (dev and tests).
 *
 * @packageDocumentation
 */
export { createIdempotencyTable, type CreateTableOptions, type CreateTableResult } from './create-table.js'
export {
  DynamoDBStore,
  dynamodbStore,
  MAX_ITEM_BYTES,
  MAX_RESULT_BYTES,
  type DynamoDBStoreOptions,
} from './dynamodb-store.js'
export { DEFAULT_ATTRIBUTES, type AttributeNames } from './item.js'
export { COMPRESS_MIN_BYTES, type ResultEncoding } from './result-codec.js'
