/**
 * Cross-process race: 4 processes × 2,000 keys × 8 concurrent duplicates each (32 contenders per key,
 * 64,000 calls) through `engine.run()` on one Redis. Exactly one execution per key (counted by the
 * functions themselves with INCR on separate keys), and 0 lost results: every call returned the one
 * stored result of its key.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createIdempotency } from '@idemkit/core'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { redisStore } from '../src/index.js'
import type { WorkerReport } from './fixtures/race-worker.js'
import { connectRedis, deleteKeys, REDIS_URL, testPrefix } from './helpers/redis-server.js'

const WORKERS = 4
const KEYS = 2_000
const DUPLICATES = 8

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const prefix = testPrefix('race')
let client: Redis
const children: ChildProcess[] = []

beforeAll(async () => {
  client = await connectRedis()
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await deleteKeys(client, prefix)
  client.disconnect()
})

function startWorker(worker: number): { child: ChildProcess; ready: Promise<void>; report: Promise<WorkerReport> } {
  const child = spawn(process.execPath, ['--conditions=@idemkit/source', '--import', 'tsx', 'test/fixtures/race-worker.ts'], {
    cwd: packageDir,
    env: {
      ...process.env,
      REDIS_URL,
      RACE_WORKER: String(worker),
      RACE_KEYS: String(KEYS),
      RACE_DUPLICATES: String(DUPLICATES),
      RACE_PREFIX: prefix,
    },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
  children.push(child)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`race worker ${worker} exited with ${code} before reporting:\n${stderr}`)))
    child.once('error', reject)
  })
  exited.catch(() => undefined)
  const message = (type: string) =>
    new Promise<unknown>((resolve) => {
      const onMessage = (received: { type?: string }) => {
        if (received?.type !== type) return
        child.off('message', onMessage)
        resolve(received)
      }
      child.on('message', onMessage)
    })
  return {
    child,
    ready: Promise.race([message('ready'), exited]).then(() => undefined),
    report: Promise.race([message('done') as Promise<WorkerReport>, exited]),
  }
}

test(
  `${WORKERS} processes × ${KEYS} keys × ${DUPLICATES} duplicates: one execution per key, no lost result`,
  async () => {
    const workers = Array.from({ length: WORKERS }, (_, worker) => startWorker(worker))
    await Promise.all(workers.map((entry) => entry.ready))
    const started = performance.now()
    for (const { child } of workers) child.send({ type: 'go' })
    const reports = await Promise.all(workers.map((entry) => entry.report))
    const elapsedMs = performance.now() - started

    const calls = WORKERS * KEYS * DUPLICATES
    const executed = reports.reduce((sum, report) => sum + report.executed, 0)
    const replayed = reports.reduce((sum, report) => sum + report.replayed, 0)
    const errors = reports.map((report) => report.errors)
    expect(errors).toEqual(reports.map(() => ({})))
    expect({ executed, replayed }).toEqual({ executed: KEYS, replayed: calls - KEYS })

    // Executions as the functions counted them, in Redis.
    const indexes = Array.from({ length: KEYS }, (_, index) => index)
    const counters = await client.mget(indexes.map((index) => `${prefix}executions:${index}`))
    const executionsPerKey = counters.map(Number)
    expect(executionsPerKey.filter((count) => count !== 1)).toEqual([])

    // Every call for a key got the same value, and it is the value stored for that key.
    const engine = createIdempotency({ store: redisStore({ client, prefix }) })
    let lost = 0
    for (const index of indexes) {
      const key = `race-${index}`
      const seen = new Set(reports.flatMap((report) => report.values[key] ?? []))
      const record = await engine.store.get(engine.storageKey(key))
      const stored = record?.status === 'completed' ? JSON.stringify(engine.decodeResult(record.result ?? '')) : undefined
      if (seen.size !== 1 || stored === undefined || !seen.has(stored)) lost++
    }
    expect(lost).toBe(0)
    console.info(
      `[figure] race: ${calls} run() calls from ${WORKERS} processes on ${KEYS} keys in ${Math.round(elapsedMs)} ms ` +
        `(${Math.round(calls / (elapsedMs / 1000))} calls/s): executions ${executed} (1 per key), replayed ${replayed}, lost 0, errors 0`,
    )
  },
  240_000, // correctness, not speed, is asserted: leave room for a loaded CI machine
)
