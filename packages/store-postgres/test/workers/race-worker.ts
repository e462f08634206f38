/**
 * One process of the cross-process race (see race.test.ts). Runs `engine.run()` for every key with
 * DUPLICATES concurrent calls per key, the protected function inserting one row into the counter
 * table, and prints one JSON line: which execution each key's result came from, as every caller saw it.
 *
 * A duplicate that finds the key in flight (409) retries after the sweep over all keys, as an HTTP
 * client retries after `Retry-After`: one more statement per duplicate instead of a poll loop, which
 * keeps the test's load on the server (and its run time) down. Every call must end with a result.
 *
 * argv: databaseUrl table counterTable keyCount duplicates workerId
 */
import { createIdempotency, InFlightError } from '@idemkit/core'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { idempotencyKeysTable, postgresStore } from '../../src/index.js'

const [databaseUrl, tableName, counterTable, keyCountText, duplicatesText, workerId] = process.argv.slice(2)
if (workerId === undefined) throw new Error('usage: race-worker url table counterTable keyCount duplicates workerId')
const keyCount = Number(keyCountText)
const duplicates = Number(duplicatesText)
const KEYS_IN_FLIGHT = 25

let statements = 0
// synchronous_commit off: a commit does not wait for its WAL flush. Durability after a server crash is
// not what this test is about, and waiting for fsync on every statement made it I/O-bound.
const sql = postgres(databaseUrl!, { max: 5, onnotice: () => {}, debug: () => void statements++, connection: { synchronous_commit: 'off' } })
const store = postgresStore({ db: drizzle(sql), table: idempotencyKeysTable({ name: tableName! }) })
const engine = createIdempotency({ store, lease: '60s' })
// For the retries: a key may still be in flight in another process, so these wait for its result.
const waitingEngine = createIdempotency({ store, lease: '60s', inFlight: { wait: { timeoutMs: 60_000, pollMs: 20 } } })

let executions = 0
let errors = 0
let inFlightRetries = 0
const seen = new Map<string, Set<string>>()
const retryLater: { key: string; call: number }[] = []

function protectedCall(key: string, call: number, using = engine): Promise<{ key: string; executor: string }> {
  return using.run(key, { key }, async () => {
    const executor = `${workerId}:${call}:${++executions}`
    await sql.unsafe(`insert into "${counterTable}" (key, executor) values ($1, $2)`, [key, executor])
    return { key, executor }
  })
}

function record(key: string, outcome: PromiseSettledResult<{ key: string; executor: string }>, call: number, mayRetry: boolean): void {
  if (outcome.status === 'rejected') {
    if (mayRetry && outcome.reason instanceof InFlightError) {
      retryLater.push({ key, call })
      return
    }
    errors++
    process.stderr.write(`${key}: ${String(outcome.reason)}\n`)
    return
  }
  if (outcome.value.key !== key) errors++
  const executors = seen.get(key) ?? new Set<string>()
  executors.add(outcome.value.executor)
  seen.set(key, executors)
}

async function runKey(index: number): Promise<void> {
  const key = `race-${index}`
  const outcomes = await Promise.allSettled(Array.from({ length: duplicates }, (_, call) => protectedCall(key, call)))
  outcomes.forEach((outcome, call) => record(key, outcome, call, true))
}

// Start together: the parent sends a line once every worker is connected.
await sql`select 1`
process.stdout.write('ready\n')
await new Promise<void>((resolve) =>
  process.stdin.once('data', () => {
    process.stdin.pause() // a paused stdin no longer keeps this process alive once the work is done
    resolve()
  }),
)

const started = performance.now()
let next = 0
await Promise.all(
  Array.from({ length: KEYS_IN_FLIGHT }, async () => {
    while (next < keyCount) await runKey(next++)
  }),
)
inFlightRetries = retryLater.length
await Promise.all(
  Array.from({ length: KEYS_IN_FLIGHT }, async () => {
    for (let retry = retryLater.pop(); retry !== undefined; retry = retryLater.pop()) {
      const [outcome] = await Promise.allSettled([protectedCall(retry.key, retry.call, waitingEngine)])
      record(retry.key, outcome!, retry.call, false)
    }
  }),
)
const elapsedMs = performance.now() - started
await sql.end({ timeout: 5 })
process.stdout.write(
  `${JSON.stringify({
    workerId,
    elapsedMs,
    executions,
    errors,
    inFlightRetries,
    statements,
    results: Object.fromEntries([...seen].map(([key, executors]) => [key, [...executors]])),
  })}\n`,
)
