/**
 * `run()` with `@idemkit/store-redis` on a real Redis (`REDIS_URL`, default 127.0.0.1:6379): new keys
 * and replays per second, next to the raw commands they issue, all measured in this process on the
 * same connection:
 * - a new key sends 2 EVALSHA (acquire + complete scripts): baseline = 2 × EVALSHA of a trivial script;
 * - a replay sends 1 EVALSHA (acquire script): baseline = 1 × EVALSHA of a trivial script;
 * - and a GET + SET pair, the naive (non-atomic) way to do the same.
 * Each shape is timed one call at a time (latency bound) and as 100 concurrent calls (what a busy
 * server sees: ioredis pipelines them on one connection).
 */
import { randomUUID } from 'node:crypto'
import { createIdempotency, fingerprint } from '@idemkit/core'
import { redisStore } from '@idemkit/store-redis'
import { Redis } from 'ioredis'
import { Bench } from 'tinybench'
import { throughputOf } from './support/throughput.js'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const client = new Redis(url, { commandTimeout: 5_000, maxRetriesPerRequest: 1, lazyConnect: true })
try {
  await client.connect()
} catch (cause) {
  throw new Error(`store-redis bench needs Redis at ${url} (set REDIS_URL): redis-server --daemonize yes --port 6379 --save "" --appendonly no`, { cause })
}

const prefix = `idemkit-bench:${randomUUID()}:`
const payload = { amount: 4200, currency: 'EUR', customer: 'cus_8f3k2', items: Array.from({ length: 12 }, (_, index) => ({ sku: `sku-${index}`, qty: index % 7, price: 199 + index, note: 'x'.repeat(40) })) }
const result = { id: 'pay_123', status: 'succeeded', amount: 4200 }
const engine = createIdempotency({ store: redisStore({ client, prefix }) })
const trivial = 'return 1'
const trivialSha = String(await client.script('LOAD', trivial))
const token = randomUUID()

const REPLAY_KEYS = 10_000
for (let first = 0; first < REPLAY_KEYS; first += 500) {
  await Promise.all(Array.from({ length: 500 }, (_, offset) => engine.run(`replay-${first + offset}`, payload, () => result)))
}

let newKey = 0
let replayKey = 0
let rawKey = 0
const BATCH = 100
const batch = (one: () => Promise<unknown>) => () => Promise.all(Array.from({ length: BATCH }, one)).then(() => undefined)
const evalshaOnce = () => client.evalsha(trivialSha, 1, `${prefix}raw`, token)
const evalshaTwice = async () => {
  await evalshaOnce()
  await evalshaOnce()
}
const getSet = async () => {
  const key = `${prefix}raw-${rawKey++}`
  await client.get(key)
  await client.set(key, JSON.stringify(result), 'PX', 60_000)
}
const runNew = () => engine.run(`new-${newKey++}`, payload, () => result)
const runReplay = () => engine.run(`replay-${replayKey++ % REPLAY_KEYS}`, payload, () => result)

const bench = new Bench({ time: 1_500, warmup: true })
bench
  .add('baseline: 1 × EVALSHA (trivial script)', evalshaOnce)
  .add('baseline: 2 × EVALSHA (trivial script)', evalshaTwice)
  .add('baseline: GET + SET pair', getSet)
  .add('fingerprint(1 KB) alone (CPU, no Redis)', () => fingerprint(payload))
  .add('run(): new key', runNew)
  .add('run(): replay', runReplay)
  .add(`baseline: 1 × EVALSHA ×${BATCH} concurrent`, batch(evalshaOnce))
  .add(`baseline: 2 × EVALSHA ×${BATCH} concurrent`, batch(evalshaTwice))
  .add(`run(): new key ×${BATCH} concurrent`, batch(runNew))
  .add(`run(): replay ×${BATCH} concurrent`, batch(runReplay))

await bench.run()

const opsPerSecond = (name: string): number => throughputOf(bench, name) * (name.includes('concurrent') ? BATCH : 1)
const rows: Array<[string, string]> = [
  ['run(): new key', 'baseline: 2 × EVALSHA (trivial script)'],
  ['run(): replay', 'baseline: 1 × EVALSHA (trivial script)'],
  [`run(): new key ×${BATCH} concurrent`, `baseline: 2 × EVALSHA ×${BATCH} concurrent`],
  [`run(): replay ×${BATCH} concurrent`, `baseline: 1 × EVALSHA ×${BATCH} concurrent`],
]
console.log(`\n@idemkit/store-redis run() on ${url} (Node ${process.version}, ioredis, 1 KB JSON input)`)
console.log('| task | calls/s | µs/call | baseline (same commands, trivial script) | baseline calls/s | ratio to baseline |')
console.log('| --- | ---: | ---: | --- | ---: | ---: |')
for (const [task, baseline] of rows) {
  const ops = opsPerSecond(task)
  const base = opsPerSecond(baseline)
  console.log(`| ${task} | ${Math.round(ops).toLocaleString('en-US')} | ${(1e6 / ops).toFixed(1)} | ${baseline} | ${Math.round(base).toLocaleString('en-US')} | ${(ops / base).toFixed(2)} |`)
}
for (const name of ['baseline: GET + SET pair', 'fingerprint(1 KB) alone (CPU, no Redis)']) {
  const ops = opsPerSecond(name)
  console.log(`| ${name} | ${Math.round(ops).toLocaleString('en-US')} | ${(1e6 / ops).toFixed(1)} | | | |`)
}

// Leave nothing behind: SCAN (not KEYS, which blocks the server) and UNLINK this run's keys.
let cursor = '0'
do {
  const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000)
  cursor = next
  if (keys.length > 0) await client.unlink(...keys)
} while (cursor !== '0')
client.disconnect()
