/**
 * `run()` with `@idemkit/store-dynamodb` against dynalite (started here as its own child process on
 * a free loopback port; `DYNAMODB_ENDPOINT` points at another DynamoDB-compatible server instead):
 * new keys and replays per second, next to a raw strongly consistent GetItem measured in this
 * process on the same client:
 * - a new key sends 2 requests (claiming PutItem + completing UpdateItem): baseline = 2 × GetItem;
 * - a replay sends 2 on dynalite (the failed PutItem + the fallback GetItem, because dynalite ignores
 *   ReturnValuesOnConditionCheckFailure) and 1 on AWS: baseline = 2 × GetItem and 1 × GetItem.
 * Each shape is timed one call at a time (latency bound) and as 20 concurrent calls.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { createIdempotency } from '@idemkit/core'
import { createIdempotencyTable, dynamodbStore } from '@idemkit/store-dynamodb'
import { Bench } from 'tinybench'
import { throughputOf } from './support/throughput.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const { endpoint, server } = await startServer()
const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
})
const table = `idemkit-bench-${randomUUID()}`
await createIdempotencyTable(client, table)

const payload = { amount: 4200, currency: 'EUR', customer: 'cus_8f3k2', items: Array.from({ length: 12 }, (_, index) => ({ sku: `sku-${index}`, qty: index % 7, price: 199 + index, note: 'x'.repeat(40) })) }
const result = { id: 'pay_123', status: 'succeeded', amount: 4200 }
const engine = createIdempotency({ store: dynamodbStore({ client, table }) })

const REPLAY_KEYS = 2_000
for (let first = 0; first < REPLAY_KEYS; first += 50) {
  await Promise.all(Array.from({ length: 50 }, (_, offset) => engine.run(`replay-${first + offset}`, payload, () => result)))
}
await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'raw' }, status: { S: 'completed' }, result: { B: new TextEncoder().encode(JSON.stringify(result)) } } }))

let newKey = 0
let replayKey = 0
const BATCH = 20
const batch = (one: () => Promise<unknown>) => () => Promise.all(Array.from({ length: BATCH }, one)).then(() => undefined)
const getOnce = () => client.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'raw' } }, ConsistentRead: true }))
const getTwice = async () => {
  await getOnce()
  await getOnce()
}
const runNew = () => engine.run(`new-${newKey++}`, payload, () => result)
const runReplay = () => engine.run(`replay-${replayKey++ % REPLAY_KEYS}`, payload, () => result)

const bench = new Bench({ time: 1_500, warmup: true })
bench
  .add('baseline: 1 × GetItem', getOnce)
  .add('baseline: 2 × GetItem', getTwice)
  .add('run(): new key', runNew)
  .add('run(): replay', runReplay)
  .add(`baseline: 1 × GetItem ×${BATCH} concurrent`, batch(getOnce))
  .add(`baseline: 2 × GetItem ×${BATCH} concurrent`, batch(getTwice))
  .add(`run(): new key ×${BATCH} concurrent`, batch(runNew))
  .add(`run(): replay ×${BATCH} concurrent`, batch(runReplay))

try {
  await bench.run()
  const opsPerSecond = (name: string): number => throughputOf(bench, name) * (name.includes('concurrent') ? BATCH : 1)
  const rows: Array<[string, string]> = [
    ['run(): new key', 'baseline: 2 × GetItem'],
    ['run(): replay', 'baseline: 2 × GetItem'],
    ['run(): replay', 'baseline: 1 × GetItem'],
    [`run(): new key ×${BATCH} concurrent`, `baseline: 2 × GetItem ×${BATCH} concurrent`],
    [`run(): replay ×${BATCH} concurrent`, `baseline: 2 × GetItem ×${BATCH} concurrent`],
  ]
  console.log(`\n@idemkit/store-dynamodb run() on ${server === undefined ? endpoint : 'dynalite (child process)'} (Node ${process.version}, AWS SDK v3, 1 KB JSON input)`)
  console.log('| task | calls/s | ms/call | baseline | baseline calls/s | ratio to baseline |')
  console.log('| --- | ---: | ---: | --- | ---: | ---: |')
  for (const [task, baseline] of rows) {
    const ops = opsPerSecond(task)
    const base = opsPerSecond(baseline)
    console.log(`| ${task} | ${Math.round(ops).toLocaleString('en-US')} | ${(1e3 / ops).toFixed(2)} | ${baseline} | ${Math.round(base).toLocaleString('en-US')} | ${(ops / base).toFixed(2)} |`)
  }
} finally {
  await client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined)
  client.destroy()
  server?.kill()
}

/** dynalite in its own process (so the server's CPU is not this process's), or DYNAMODB_ENDPOINT. */
async function startServer(): Promise<{ endpoint: string; server: ChildProcess | undefined }> {
  const configured = process.env.DYNAMODB_ENDPOINT
  if (configured) return { endpoint: configured, server: undefined }
  const dynalitePath = createRequire(import.meta.url).resolve('dynalite')
  const script = `const server = require(${JSON.stringify(dynalitePath)})({ createTableMs: 0, deleteTableMs: 0 });
server.listen(0, '127.0.0.1', () => console.log(server.address().port))`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${code}`)))
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
  })
  return { endpoint: `http://127.0.0.1:${port}`, server: child }
}
