/** One test file's world: a server, a client, a fresh table and a store on it, torn down together. */
import { DeleteTableCommand, type DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { createIdempotencyTable, dynamodbStore, type DynamoDBStore, type DynamoDBStoreOptions } from '../../src/index.js'
import { startServer, startServerProcess, tableName, testClient, type TestServer } from './server.js'

export interface StoreFixture {
  server: TestServer
  client: DynamoDBClient
  table: string
  store: DynamoDBStore
  /** Delete the table, close the client, stop the server (when we started it). */
  close(): Promise<void>
}

export async function openFixture(
  label: string,
  options: { store?: Partial<Omit<DynamoDBStoreOptions, 'client' | 'table'>>; client?: DynamoDBClientConfig; serverProcess?: boolean } = {},
): Promise<StoreFixture> {
  const server = options.serverProcess === true ? await startServerProcess() : await startServer()
  const client = testClient(server.endpoint, options.client)
  const table = tableName(label)
  await createIdempotencyTable(client, table, { attributes: options.store?.attributes })
  const store = dynamodbStore({ client, table, ...options.store })
  return {
    server,
    client,
    table,
    store,
    async close() {
      try {
        await client.send(new DeleteTableCommand({ TableName: table }))
      } finally {
        client.destroy()
        await server.stop()
      }
    },
  }
}
