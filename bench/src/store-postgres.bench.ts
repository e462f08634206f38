/**
 * `run()` with `@idemkit/store-postgres` (drizzle + postgres.js) on a real PostgreSQL (`DATABASE_URL`,
 * default postgres://postgres@127.0.0.1:5432/test): new keys and replays per second, next to bare
 * round trips measured in this process on the same client:
 * - a new key sends 2 statements (acquire + complete), both committed writes: baselines = 2 × SELECT 1
 *   and 2 × a one-row INSERT (autocommit), which pays the same WAL flushes;
 * - a replay sends 1 statement (acquire) and writes nothing: baseline = 1 × SELECT 1.
 * Two clients: a single connection, and a 10-connection pool. Each shape runs one call at a time
 * (latency bound) and as 50 concurrent calls (what a busy server sees). The server keeps its own
 * settings (fsync, synchronous_commit): a new key is two committed writes, so on a slow disk it is
 * bound by WAL flushes, which SELECT 1 is not.
 */
import { randomUUID } from 'node:crypto'
import { createIdempotency } from '@idemkit/core'
import { createIdempotencyTable, idempotencyKeysTable, postgresStore } from '@idemkit/store-postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { Bench } from 'tinybench'
import { throughputOf } from './support/throughput.js'

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const single = postgres(url, { max: 1, onnotice: () => {} })
const pool = postgres(url, { max: 10, onnotice: () => {} })
try {
  await single`select 1`
} catch (cause) {
  throw new Error(
    `store-postgres bench needs PostgreSQL at ${url} (set DATABASE_URL): pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
    { cause },
  )
}

const tableName = `idemkit_bench_${randomUUID().slice(0, 8)}`
const table = idempotencyKeysTable({ name: tableName })
await createIdempotencyTable(drizzle(single), table)
const writesTable = `${tableName}_writes`
await single.unsafe(`create table "${writesTable}" (id bigserial primary key, note text not null)`)

const payload = { amount: 4200, currency: 'EUR', customer: 'cus_8f3k2', items: Array.from({ length: 12 }, (_, index) => ({ sku: `sku-${index}`, qty: index % 7, price: 199 + index, note: 'x'.repeat(40) })) }
const result = { id: 'pay_123', status: 'succeeded', amount: 4200 }
const BATCH = 50
const REPLAY_KEYS = 5_000
const batch = (one: () => Promise<unknown>) => () => Promise.all(Array.from({ length: BATCH }, one)).then(() => undefined)

const clients = { 'single connection': single, '10-connection pool': pool } as const
const bench = new Bench({ time: 1_500, warmup: true })
for (const [label, sql] of Object.entries(clients)) {
  const engine = createIdempotency({ store: postgresStore({ db: drizzle(sql), table }) })
  for (let first = 0; first < REPLAY_KEYS; first += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, offset) => engine.run(`${label}:replay-${first + offset}`, payload, () => result)))
  }
  let newKey = 0
  let replayKey = 0
  const selectOne = () => sql`select 1`
  const selectTwice = async () => {
    await selectOne()
    await selectOne()
  }
  const insertOne = () => sql.unsafe(`insert into "${writesTable}" (note) values ($1)`, ['x'], { prepare: true })
  const insertTwice = async () => {
    await insertOne()
    await insertOne()
  }
  const runNew = () => engine.run(`${label}:new-${newKey++}`, payload, () => result)
  const runReplay = () => engine.run(`${label}:replay-${replayKey++ % REPLAY_KEYS}`, payload, () => result)
  bench
    .add(`${label}: baseline 1 × SELECT 1`, selectOne)
    .add(`${label}: baseline 2 × SELECT 1`, selectTwice)
    .add(`${label}: baseline 2 × INSERT`, insertTwice)
    .add(`${label}: run() new key`, runNew)
    .add(`${label}: run() replay`, runReplay)
    .add(`${label}: baseline 1 × SELECT 1 ×${BATCH} concurrent`, batch(selectOne))
    .add(`${label}: baseline 2 × SELECT 1 ×${BATCH} concurrent`, batch(selectTwice))
    .add(`${label}: baseline 2 × INSERT ×${BATCH} concurrent`, batch(insertTwice))
    .add(`${label}: run() new key ×${BATCH} concurrent`, batch(runNew))
    .add(`${label}: run() replay ×${BATCH} concurrent`, batch(runReplay))
}

await bench.run()

const opsPerSecond = (name: string): number => throughputOf(bench, name) * (name.includes('concurrent') ? BATCH : 1)
console.log(`\n@idemkit/store-postgres run() on ${url.replace(/:[^:@/]*@/, ':***@')} (Node ${process.version}, drizzle + postgres.js, 1 KB JSON input)`)
console.log('| client | task | calls/s | µs/call | baseline (same round trips) | baseline calls/s | ratio to baseline |')
console.log('| --- | --- | ---: | ---: | --- | ---: | ---: |')
for (const label of Object.keys(clients)) {
  for (const concurrency of ['', ` ×${BATCH} concurrent`]) {
    for (const [task, baseline] of [
      ['run() new key', 'baseline 2 × SELECT 1'],
      ['run() new key', 'baseline 2 × INSERT'],
      ['run() replay', 'baseline 1 × SELECT 1'],
    ] as const) {
      const ops = opsPerSecond(`${label}: ${task}${concurrency}`)
      const base = opsPerSecond(`${label}: ${baseline}${concurrency}`)
      console.log(
        `| ${label} | ${task}${concurrency} | ${Math.round(ops).toLocaleString('en-US')} | ${(1e6 / ops).toFixed(1)} | ${baseline}${concurrency} | ${Math.round(base).toLocaleString('en-US')} | ${(ops / base).toFixed(2)} |`,
      )
    }
  }
}

await single.unsafe(`drop table if exists "${tableName}", "${writesTable}"`)
await Promise.all([single.end({ timeout: 5 }), pool.end({ timeout: 5 })])
