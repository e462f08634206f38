/**
 * The HTTP and function-wrapper comparison against the libraries users would pick instead (issue 9).
 *
 * Every configuration runs in its own server process on loopback; autocannon drives them one at a
 * time, interleaved (round 1: A B C …, round 2: B C … A, …) so that drift on this shared machine
 * lands on every configuration alike; each ratio is taken against the bare framework measured in the
 * same round, and the median over rounds is reported. Writes `docs/benchmarks.md`.
 *
 * Settings (environment): BENCH_DURATION seconds per measurement (default 1), BENCH_ROUNDS (3),
 * BENCH_WARMUP seconds of the unrecorded pass of every workload (1), BENCH_PRIME seconds of the
 * unrecorded burst before each measurement (0.25; 0 turns it off),
 * BENCH_ONLY comma-separated configuration ids (bare baselines are always kept), BENCH_SKIP_WRAPPERS=1,
 * BENCH_WRAPPER_MS (ms per wrapper measurement, default 600), BENCH_OUTPUT (default docs/benchmarks.md),
 * BENCH_CPU_PROF=<dir> (a V8 CPU profile per server), REDIS_URL, DATABASE_URL.
 *
 * @module
 */
import { fork } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import pg from 'pg'
import { CONFIGURATIONS, type Configuration } from './configurations.js'
import { drive } from './drive.js'
import { measurement, type Measurement } from './measure.js'
import { ORDERS_PATH, REPORTS_PATH } from './payloads.js'
import { RedisMonitor } from './redis-monitor.js'
import { renderReport, type HttpResults } from './report.js'
import { measureDuplicates, measureRoundTrips, type RoundTrips } from './round-trips.js'
import { ServerProcess } from './server-process.js'
import { deleteKeys } from './servers/idemkit-engine.js'
import type { WrapperResults } from './wrappers/results.js'
import { loaderArgs } from './loader.js'
import { SEEDED_KEYS, SEEDED_REPORT_KEYS, seededKey, WORKLOADS, type WorkloadId } from './workloads.js'

const CONNECTIONS = 20
const duration = Number(process.env.BENCH_DURATION ?? 1)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
/** Seconds of the unrecorded pass of every workload before the measured rounds. */
const warmup = Number(process.env.BENCH_WARMUP ?? 1)
const prime = Number(process.env.BENCH_PRIME ?? 0.25)
/** Round numbers of the priming bursts' keys (measured rounds count from 0, the warm-up is -1). */
const PRIME_ROUND_BASE = 1_000
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean)
const output = process.env.BENCH_OUTPUT ?? fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url))
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** Everything this run writes is under this name: Redis keys `ikb_…*`, the table `ikb_…_keys`. */
const namespace = `ikb_${Date.now().toString(36)}`
const startedAt = Date.now()

const log = (line: string): void => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${line}`)

const admin = await connectRedis()
const postgresVersion = await checkPostgres()
const servers: ServerProcess[] = []
const missing = new Map<string, string>()
let cleanedUp = false
process.on('SIGINT', () => {
  void cleanup().finally(() => process.exit(130))
})

try {
  const configurations = CONFIGURATIONS.filter((c) => only === undefined || c.role === 'bare' || only.includes(c.id))
  log(`starting ${configurations.length} server processes (namespace ${namespace})`)
  // Two at a time: starting all of them at once makes every one wait for the 2 cores.
  for (let index = 0; index < configurations.length; index += 2) {
    const batch = configurations.slice(index, index + 2)
    const started = await Promise.allSettled(batch.map((c) => ServerProcess.start(c, namespace, clientNameOf(c))))
    for (const [position, outcome] of started.entries()) {
      const configuration = batch[position] as Configuration
      if (outcome.status === 'fulfilled') servers.push(outcome.value)
      else {
        const reason = firstLines(outcome.reason)
        missing.set(configuration.id, reason)
        log(`NOT RUN ${configuration.id}: ${reason}`)
      }
    }
  }

  log('warming up and seeding replay keys')
  for (const server of servers) {
    const prefix = keyPrefixOf(server.configuration)
    await drive({ port: server.port, path: ORDERS_PATH, keyOf: (n) => `${prefix}-w-${n}`, connections: CONNECTIONS, duration: 0.5 })
    await drive({ port: server.port, path: ORDERS_PATH, keyOf: (n) => seededKey(prefix, ORDERS_PATH, n), connections: CONNECTIONS, amount: SEEDED_KEYS })
    await drive({ port: server.port, path: REPORTS_PATH, keyOf: (n) => seededKey(prefix, REPORTS_PATH, n), connections: CONNECTIONS, amount: SEEDED_REPORT_KEYS })
    log(`  ${server.configuration.id} ready`)
  }
  // One unrecorded pass of every workload first: a 1 s measurement of a server whose paths were
  // never run caught its JIT and GC warming up (idemkit's new-key path measured 2× its steady cost).
  log(`warming every workload up for ${warmup} s`)
  for (const workload of WORKLOADS) {
    for (const server of servers) {
      if (!(server.configuration.workloads?.includes(workload.id) ?? true)) continue
      const prefix = keyPrefixOf(server.configuration)
      await drive({ port: server.port, path: workload.path, keyOf: (n) => workload.keyOf(prefix, n, -1), connections: CONNECTIONS, duration: warmup })
    }
  }
  const measured = servers.map((server) => server.configuration)

  const measurements = new Map<string, Measurement[]>() // `${configuration}/${workload}` → rounds
  for (let round = 0; round < rounds; round++) {
    for (const workload of WORKLOADS) {
      const runs = servers.filter((s) => s.configuration.workloads?.includes(workload.id) ?? true)
      // Rotate the order every round so no configuration always runs first (or right after a heavy one).
      const order = runs.map((_, index) => runs[(index + round) % runs.length] as ServerProcess)
      for (const server of order) {
        const prefix = keyPrefixOf(server.configuration)
        // An unrecorded burst of the same workload first: a server that sat idle while the others
        // were measured starts cold (V8 shrinks an idle heap) and paid for warming up inside its
        // measured second, the more the more it allocates (report.ts quotes the measurement).
        // (Its own keys: a round number no measurement uses, so new keys stay new; replays replay.)
        if (prime > 0) await drive({ port: server.port, path: workload.path, keyOf: (n) => workload.keyOf(prefix, n, PRIME_ROUND_BASE + round), connections: CONNECTIONS, duration: prime })
        const before = await server.stats()
        const result = await drive({ port: server.port, path: workload.path, keyOf: (n) => workload.keyOf(prefix, n, round), connections: CONNECTIONS, duration })
        const after = await server.stats()
        const entry = measurement(round, result, after.cpuMicros - before.cpuMicros, after.executions - before.executions)
        const key = `${server.configuration.id}/${workload.id}`
        measurements.set(key, [...(measurements.get(key) ?? []), entry])
        if (result.errors > 0) log(`  ${key}: ${result.errors} connection errors/timeouts`)
      }
      log(`round ${round + 1}/${rounds} ${workload.id} done`)
    }
  }

  log('counting handler runs per key under 8-way duplicates')
  const duplicates = new Map<string, { runsPerKey: number; statuses: Record<string, number> }>()
  for (const server of servers) duplicates.set(server.configuration.id, await measureDuplicates(server, keyPrefixOf(server.configuration)))

  log('counting store round trips')
  const roundTrips = new Map<string, RoundTrips>()
  const monitor = servers.some((s) => s.configuration.store === 'redis') ? await RedisMonitor.start(redisUrl) : undefined
  try {
    for (const server of servers) {
      const counted = await measureRoundTrips(server, keyPrefixOf(server.configuration), clientNameOf(server.configuration), admin, monitor)
      if (counted !== undefined) roundTrips.set(server.configuration.id, counted)
    }
  } finally {
    monitor?.stop()
  }
  await closeServers()

  let wrappers: WrapperResults | undefined
  if (process.env.BENCH_SKIP_WRAPPERS !== '1') {
    log('function-wrapper comparison')
    wrappers = await runWrapperComparison()
  }

  const results: HttpResults = {
    date: new Date(),
    duration,
    warmup,
    prime,
    rounds,
    connections: CONNECTIONS,
    configurations: measured,
    missing,
    measurements,
    roundTrips,
    duplicates,
    redisVersion: /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?',
    postgresVersion,
    seconds: (Date.now() - startedAt) / 1000,
  }
  const markdown = await renderReport(results, wrappers)
  await writeFile(output, markdown)
  console.log(`\n${markdown}`)
  log(`wrote ${output}`)
} finally {
  await cleanup()
}

async function cleanup(): Promise<void> {
  if (cleanedUp) return
  cleanedUp = true
  await closeServers()
  // The peers write raw keys (express-idempotency uses the Idempotency-Key value itself): every key
  // the harness sends starts with the namespace, so this one pattern removes them all.
  const deleted = await deleteKeys(admin, `${namespace}*`)
  if (deleted > 0) log(`deleted ${deleted} leftover Redis keys under ${namespace}*`)
  admin.disconnect()
}

async function closeServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.close()))
}

function runWrapperComparison(): Promise<WrapperResults> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./wrappers/main.ts', import.meta.url)), ['--namespace', namespace], {
      execArgv: loaderArgs(),
    })
    let results: WrapperResults | undefined
    child.on('message', (message: WrapperResults) => {
      results = message
    })
    child.on('exit', (code) => (results !== undefined ? resolve(results) : reject(new Error(`wrapper comparison exited with code ${String(code)}`))))
  })
}

function keyPrefixOf(configuration: Configuration): string {
  return `${namespace}-${configuration.id}`
}

function clientNameOf(configuration: Configuration): string {
  return `${namespace}-${configuration.id}`
}

function firstLines(reason: unknown): string {
  const text = reason instanceof Error ? reason.message : String(reason)
  const lines = text.split('\n').filter((line) => /error|exited|listen/i.test(line))
  return (lines.slice(0, 3).join(' ') || text.slice(0, 300)).trim()
}

async function connectRedis(): Promise<Redis> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
  try {
    await client.connect()
    await client.ping()
    return client
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${redisUrl} (set REDIS_URL, or start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${String(error)}`,
    )
  }
}

/** Check PostgreSQL answers and return its version; retries for a while when its connection slots are full. */
async function checkPostgres(): Promise<string> {
  let client = new pg.Client({ connectionString: databaseUrl })
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        break
      } catch (error) {
        // 53300 too_many_connections: other jobs on this shared server; wait for slots rather than fail.
        if ((error as { code?: string }).code !== '53300' || attempt === 30) throw error
        await new Promise((resolve) => setTimeout(resolve, 2_000))
      }
    }
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version')
    return rows[0]?.server_version.split(' ')[0] ?? '?'
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${databaseUrl} (set DATABASE_URL, or start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): ${String(error)}`,
    )
  } finally {
    await client.end().catch(() => {})
  }
}

export type { WorkloadId }
