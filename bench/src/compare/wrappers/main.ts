/**
 * Function wrappers without HTTP: idemkit's `idempotent()` against AWS Lambda Powertools'
 * `makeIdempotent`, on Redis and on DynamoDB (dynalite, started here in its own process so its CPU
 * time is not ours). Each library is measured against the raw store commands IT issues, captured
 * from the store and replayed through the same client: the ratio is the price of the library.
 *
 * Calls run one at a time (a loop of awaited calls, the way a queue consumer runs them), interleaved
 * in rounds; medians are reported. Started by `compare/main.ts`; results go back over IPC.
 *
 * @module
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency'
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { idempotent, type IdempotencyStore } from '@idemkit/core'
import { createIdempotencyTable, dynamodbStore } from '@idemkit/store-dynamodb'
import { redisStore } from '@idemkit/store-redis'
import { createClient } from '@redis/client'
import { Redis } from 'ioredis'
import { median } from '../measure.js'
import { ORDER_RESPONSE, orderOfSize } from '../payloads.js'
import { RedisMonitor } from '../redis-monitor.js'
import { deleteKeys } from '../servers/idemkit-engine.js'
import { DynamoDBRecorder, keyOf, rekeyRequests, send, type CapturedRequest } from './raw-dynamodb.js'
import { captureRedisCall, commandNames, rekey } from './raw-redis.js'
import type { WrapperResults, WrapperRow } from './results.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const { values } = parseArgs({ options: { namespace: { type: 'string', default: `ikb_${Date.now().toString(36)}` } } })
const namespace = values.namespace
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const timePerMeasurementMs = Number(process.env.BENCH_WRAPPER_MS ?? 600)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const REPLAY_KEYS = 200

interface Message {
  id: string
  order: Record<string, unknown>
}
const ORDER = orderOfSize(1024)
const messageOf = (id: string): Message => ({ id, order: ORDER })
/** The wrapped function: a 1 KB result, no I/O of its own. */
const sendReceipt = async (message: Message): Promise<Record<string, unknown>> => ({ receipt: `rcpt_${message.id}`, ...ORDER_RESPONSE })

/** Powertools as a Lambda user sets it up: key from the message id, a context for the in-progress expiry. */
function powertoolsConfig(): IdempotencyConfig {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' })
  config.registerLambdaContext({ getRemainingTimeInMillis: () => 60_000 } as Parameters<IdempotencyConfig['registerLambdaContext']>[0])
  return config
}

/** One implementation: how to make a call with a fresh key, and with a replayed one. */
interface Implementation {
  label: string
  backend: 'redis' | 'dynamodb'
  /** Label of the raw-commands row this one is compared with. */
  baseline?: string
  workloads: Array<'new' | 'replay'>
  callNew: (n: number) => Promise<unknown>
  callReplay: (n: number) => Promise<unknown>
  roundTrips?: { new: number; replay: number; newCommands: string; replayCommands: string }
}

const implementations: Implementation[] = []
const missing: WrapperResults['missing'] = []
const notes: string[] = []
const cleanups: Array<() => Promise<void>> = []

// ---------------------------------------------------------------- Redis
const idemkitClientName = `${namespace}-fn-idemkit`
const powertoolsClientName = `${namespace}-fn-powertools`
const ioredis = new Redis(redisUrl, { connectionName: idemkitClientName })
const nodeRedis = await createClient({ url: redisUrl, name: powertoolsClientName }).connect()
const admin = new Redis(redisUrl)
cleanups.push(async () => {
  await deleteKeys(admin, `${namespace}*`)
  ioredis.disconnect()
  await nodeRedis.quit()
  admin.disconnect()
})
const monitor = await RedisMonitor.start(redisUrl)
const clientList = async (): Promise<string> => (await admin.client('LIST')) as string

{
  const store = redisStore({ client: ioredis, prefix: `${namespace}:fn-idemkit:` })
  const wrapped = idempotent(sendReceipt, { store, key: (message) => message.id, scope: 'send-receipt' })
  const cachedStore = redisStore({ client: ioredis, prefix: `${namespace}:fn-idemkit-cache:` })
  const cached = idempotent(sendReceipt, { store: cachedStore, localCache: { maxEntries: 10_000 }, key: (message) => message.id, scope: 'send-receipt' })
  await addRedisPair('idemkit', 'idemkit `idempotent()` + Redis', idemkitClientName, (id) => wrapped(messageOf(id)), (args) => ioredis.call(String(args[0]), ...args.slice(1)))
  for (let n = 0; n < REPLAY_KEYS; n++) await cached(messageOf(`${namespace}-r-${n}`))
  implementations.push({
    label: 'idemkit `idempotent()` + Redis + localCache',
    backend: 'redis',
    baseline: 'raw commands of idemkit (ioredis)',
    workloads: ['replay'],
    callNew: (n) => cached(messageOf(`${namespace}-c-${n}`)),
    callReplay: (n) => cached(messageOf(`${namespace}-r-${n % REPLAY_KEYS}`)),
    roundTrips: { new: 2, replay: 0, newCommands: 'evalsha, evalsha', replayCommands: '(none: served in process)' },
  })
}
{
  const persistenceStore = new CachePersistenceLayer({ client: nodeRedis as unknown as ConstructorParameters<typeof CachePersistenceLayer>[0]['client'] })
  const config = powertoolsConfig()
  const wrapped = makeIdempotent(sendReceipt, { persistenceStore, config, keyPrefix: `${namespace}:fn-powertools` })
  await addRedisPair('Powertools', 'Powertools `makeIdempotent` + Redis', powertoolsClientName, (id) => wrapped(messageOf(id)), (args) => nodeRedis.sendCommand(args))
  notes.push(
    'Powertools: key from `id` (`eventKeyJmesPath`), a Lambda-like context registered (else it warns on every call), Redis through `@redis/client` 6 (its documented client); idemkit through ioredis. Powertools runs **without** payload validation, so it does less work than idemkit (which always fingerprints the arguments, and rejects a reused key with different arguments): with `payloadValidationJmesPath` set, its Redis layer (`CachePersistenceLayer._updateRecord`) drops the validation hash when it completes a record, and every replay then throws `IdempotencyValidationError`.',
  )
}

/**
 * Add the raw-commands row and the library row for one Redis library: seed the replay keys, capture
 * the commands of one new call and of one replay, and replay them raw with fresh keys.
 */
async function addRedisPair(
  name: string,
  label: string,
  clientName: string,
  call: (id: string) => Promise<unknown>,
  sendRaw: (args: Buffer[]) => Promise<unknown>,
): Promise<void> {
  const tag = name.toLowerCase()
  for (let n = 0; n < REPLAY_KEYS; n++) await call(`${namespace}-${tag}-r-${n}`)
  await call(`${namespace}-${tag}-warm`) // script loaded, connection warm
  const fresh = await captureRedisCall(monitor, clientList, clientName, () => call(`${namespace}-${tag}-capture`))
  const replay = await captureRedisCall(monitor, clientList, clientName, () => call(`${namespace}-${tag}-r-0`))
  const rawLabel = `raw commands of ${name} (${name === 'idemkit' ? 'ioredis' : '@redis/client'})`
  const roundTrips = { new: fresh.commands.length, replay: replay.commands.length, newCommands: commandNames(fresh), replayCommands: commandNames(replay) }
  implementations.push({
    label: rawLabel,
    backend: 'redis',
    workloads: ['new', 'replay'],
    callNew: async (n) => {
      for (const command of rekey(fresh, `${namespace}:raw-${tag}-${n}`)) await sendRaw(command)
    },
    callReplay: async () => {
      for (const command of replay.commands) await sendRaw(command)
    },
    roundTrips,
  })
  implementations.push({
    label,
    backend: 'redis',
    baseline: rawLabel,
    workloads: ['new', 'replay'],
    callNew: (n) => call(`${namespace}-${tag}-n-${n}`),
    callReplay: (n) => call(`${namespace}-${tag}-r-${n % REPLAY_KEYS}`),
    roundTrips,
  })
}
monitor.stop()

// ---------------------------------------------------------------- DynamoDB (dynalite)
const dynalite = await startDynalite()
cleanups.push(async () => {
  dynalite.kill()
})
const dynamoClientOf = (): DynamoDBClient =>
  new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })
{
  const client = dynamoClientOf()
  const recorder = new DynamoDBRecorder(client)
  const table = `${namespace}-idemkit`
  await createIdempotencyTable(client, table)
  const store: IdempotencyStore = dynamodbStore({ client, table })
  const wrapped = idempotent(sendReceipt, { store, key: (message) => message.id, scope: 'send-receipt' })
  await addDynamoPair('idemkit', 'idemkit `idempotent()` + DynamoDB', client, recorder, 'id', (id) => wrapped(messageOf(id)))
}
{
  const client = dynamoClientOf()
  const recorder = new DynamoDBRecorder(client)
  const tableName = `${namespace}-powertools`
  await client.send(
    new CreateTableCommand({ TableName: tableName, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
  )
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client })
  const config = powertoolsConfig()
  const wrapped = makeIdempotent(sendReceipt, { persistenceStore, config, keyPrefix: `${namespace}:fn-powertools` })
  await addDynamoPair('Powertools', 'Powertools `makeIdempotent` + DynamoDB', client, recorder, 'id', (id) => wrapped(messageOf(id)))
}
notes.push(
  'DynamoDB rows run against dynalite 4 (in its own process): it ignores `ReturnValuesOnConditionCheckFailure`, so an idemkit replay there costs the failed conditional PutItem plus a GetItem; on AWS DynamoDB it is the PutItem alone. dynalite answers in milliseconds and varies from call to call far more than either library costs, so its ratios say little about overhead; read those rows for the requests each library sends.',
)

async function addDynamoPair(
  name: string,
  label: string,
  client: DynamoDBClient,
  recorder: DynamoDBRecorder,
  keyAttribute: string,
  call: (id: string) => Promise<unknown>,
): Promise<void> {
  const tag = `ddb-${name.toLowerCase()}`
  for (let n = 0; n < REPLAY_KEYS; n++) await call(`${namespace}-${tag}-r-${n}`)
  await call(`${namespace}-${tag}-warm`)
  const fresh = await recorder.capture(() => call(`${namespace}-${tag}-capture`))
  const replay = await recorder.capture(() => call(`${namespace}-${tag}-r-0`))
  const freshKey = keyOf(fresh, keyAttribute)
  const names = (requests: CapturedRequest[]): string => requests.map((request) => request.commandName.replace(/Command$/, '')).join(', ')
  const roundTrips = { new: fresh.length, replay: replay.length, newCommands: names(fresh), replayCommands: names(replay) }
  const rawLabel = `raw requests of ${name} (DynamoDBClient)`
  implementations.push({
    label: rawLabel,
    backend: 'dynamodb',
    workloads: ['new', 'replay'],
    callNew: async (n) => {
      for (const request of rekeyRequests(fresh, freshKey, `${namespace}:raw-${tag}-${n}`)) await send(client, request)
    },
    callReplay: async () => {
      for (const request of replay) {
        // The replay's first request is a conditional write that is expected to fail.
        await send(client, request).catch(() => {})
      }
    },
    roundTrips,
  })
  implementations.push({
    label,
    backend: 'dynamodb',
    baseline: rawLabel,
    workloads: ['new', 'replay'],
    callNew: (n) => call(`${namespace}-${tag}-n-${n}`),
    callReplay: (n) => call(`${namespace}-${tag}-r-${n % REPLAY_KEYS}`),
    roundTrips,
  })
}

// ---------------------------------------------------------------- measure
interface Sample {
  round: number
  micros: number
  cpuMicros: number
}
const samples = new Map<string, Sample[]>()
let counter = 0
for (let round = 0; round < rounds; round++) {
  const order = implementations.map((_, index) => implementations[(index + round) % implementations.length] as Implementation)
  for (const implementation of order) {
    for (const workload of implementation.workloads) {
      const call = workload === 'new' ? implementation.callNew : implementation.callReplay
      for (let warm = 0; warm < 50; warm++) await call(counter++)
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      let calls = 0
      while (performance.now() - started < timePerMeasurementMs) {
        await call(counter++)
        calls++
      }
      const elapsed = performance.now() - started
      const cpu = process.cpuUsage(cpuBefore)
      const key = `${implementation.label}/${workload}`
      samples.set(key, [...(samples.get(key) ?? []), { round, micros: (elapsed * 1000) / calls, cpuMicros: (cpu.user + cpu.system) / calls }])
    }
  }
}

const rows: WrapperRow[] = []
for (const implementation of implementations) {
  for (const workload of implementation.workloads) {
    const mine = samples.get(`${implementation.label}/${workload}`) ?? []
    const raw = implementation.baseline === undefined ? undefined : (samples.get(`${implementation.baseline}/${workload}`) ?? [])
    const ratiosOf = (measure: (sample: Sample) => number): number[] =>
      raw === undefined
        ? []
        : mine.flatMap((sample) => {
            const baseline = raw.find((other) => other.round === sample.round)
            return baseline === undefined ? [] : [measure(sample) / measure(baseline)]
          })
    const trips = implementation.roundTrips
    rows.push({
      label: implementation.label,
      backend: implementation.backend,
      workload,
      microsPerCall: median(mine.map((sample) => sample.micros)),
      cpuMicrosPerCall: median(mine.map((sample) => sample.cpuMicros)),
      ratioToRaw: raw === undefined ? undefined : median(ratiosOf((sample) => sample.micros)),
      cpuRatioToRaw: raw === undefined ? undefined : median(ratiosOf((sample) => sample.cpuMicros)),
      baseline: implementation.baseline,
      roundTrips: trips === undefined ? undefined : workload === 'new' ? trips.new : trips.replay,
      commands: trips === undefined ? undefined : workload === 'new' ? trips.newCommands : trips.replayCommands,
    })
  }
}

for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error('cleanup:', error))
const results: WrapperResults = { rows, notes, missing }
if (process.send) process.send(results)
else console.table(rows.map(({ label, workload, microsPerCall, cpuMicrosPerCall, ratioToRaw, roundTrips }) => ({ label, workload, microsPerCall, cpuMicrosPerCall, ratioToRaw, roundTrips })))
process.disconnect?.()

/** dynalite in its own process (its CPU time must not count as the client's), on a free loopback port. */
async function startDynalite(): Promise<{ endpoint: string; kill: () => void }> {
  const child = fork(fileURLToPath(new URL('./dynalite-server.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port))
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${String(code)}`)))
  })
  return { endpoint: `http://127.0.0.1:${port}`, kill: () => child.kill() }
}

