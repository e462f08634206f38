/**
 * Which idempotency store the example uses: the embedded MemoryStore by default, or a shared one
 * chosen with `IDEMKIT_STORE=postgres|redis|dynamodb` (+ `DATABASE_URL`, `REDIS_URL`,
 * `DYNAMODB_ENDPOINT`). Drivers are imported only when chosen, so the default needs no server.
 */
import { MemoryStore, type IdempotencyStore } from '@idemkit/core'

/** A store plus how to let go of the client it was built on. */
export interface ExampleStore {
  store: IdempotencyStore
  /** Human-readable description for logs, e.g. `redis at redis://127.0.0.1:6379`. */
  description: string
  close(): Promise<void>
}

/** The environment variables this reads. */
export interface StoreEnvironment {
  IDEMKIT_STORE?: string | undefined
  DATABASE_URL?: string | undefined
  REDIS_URL?: string | undefined
  DYNAMODB_ENDPOINT?: string | undefined
  DYNAMODB_TABLE?: string | undefined
}

/** Build the store `env` asks for. Throws, naming the variable, for an unknown `IDEMKIT_STORE`. */
export async function storeFromEnv(env: StoreEnvironment = process.env): Promise<ExampleStore> {
  const kind = env.IDEMKIT_STORE ?? 'memory'
  switch (kind) {
    case 'memory':
      return { store: new MemoryStore(), description: 'memory (this process only)', close: async () => {} }
    case 'postgres': {
      const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
      const [{ default: postgres }, { drizzle }, { createIdempotencyTable, postgresStore }] = await Promise.all([
        import('postgres'),
        import('drizzle-orm/postgres-js'),
        import('@idemkit/store-postgres'),
      ])
      // statement_timeout: a stalled server answers 503 in seconds instead of hanging requests.
      const client = postgres(url, { max: 10, onnotice: () => {}, connection: { statement_timeout: 5_000 } })
      const db = drizzle(client)
      await createIdempotencyTable(db) // idempotent; production apps run the shipped migration instead
      return { store: postgresStore({ db }), description: `postgres at ${redact(url)}`, close: () => client.end({ timeout: 1 }) }
    }
    case 'redis': {
      const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379'
      const [{ Redis }, { redisStore }] = await Promise.all([import('ioredis'), import('@idemkit/store-redis')])
      // commandTimeout + one retry: a dead Redis answers 503 in ~2 s instead of queueing requests.
      const client = new Redis(url, { commandTimeout: 2_000, maxRetriesPerRequest: 1 })
      return {
        store: redisStore({ client, prefix: 'idemkit-example:' }),
        description: `redis at ${redact(url)}`,
        close: async () => void (await client.quit()),
      }
    }
    case 'dynamodb': {
      const endpoint = env.DYNAMODB_ENDPOINT
      const table = env.DYNAMODB_TABLE ?? 'idemkit-example'
      const [{ DynamoDBClient }, { createIdempotencyTable, dynamodbStore }] = await Promise.all([
        import('@aws-sdk/client-dynamodb'),
        import('@idemkit/store-dynamodb'),
      ])
      const client = new DynamoDBClient(
        endpoint === undefined
          ? {}
          : { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
      )
      await createIdempotencyTable(client, table)
      return {
        store: dynamodbStore({ client, table }),
        description: `dynamodb table ${table}${endpoint === undefined ? '' : ` at ${endpoint}`}`,
        close: async () => client.destroy(),
      }
    }
    default:
      throw new Error(`IDEMKIT_STORE must be memory, postgres, redis or dynamodb; got "${kind}"`)
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
