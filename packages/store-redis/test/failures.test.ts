/**
 * A Redis that cannot answer must surface as `store_unavailable` within a bound, never as a hung
 * request, and the protected function must not run (fail closed). Each case breaks a throwaway
 * server of its own: killed (7399), stalled with CLIENT PAUSE, turned into a read-only replica, or
 * out of memory (7397).
 */
import { createIdempotency, IdempotencyStoreError, type IdempotencyEngine } from '@idemkit/core'
import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { redisStore } from '../src/index.js'
import { startServer, type ServerProcess } from './helpers/server-process.js'

/** The client options the README recommends, with a short command timeout to keep the suite fast. */
const COMMAND_TIMEOUT_MS = 500
const BOUNDED: RedisOptions = { commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 }
/** Scheduling slack on a shared 2-core machine. */
const SLACK_MS = 1_000

const clients: Redis[] = []
function client(url: string, options: RedisOptions): Redis {
  const created = new Redis(url, options)
  created.on('error', () => undefined) // reconnect errors are expected here; unhandled they would only log
  clients.push(created)
  return created
}

afterAll(() => {
  for (const created of clients) created.disconnect()
})

/** Run once through `engine`, expecting `store_unavailable`; returns the elapsed ms. */
async function expectUnavailable(engine: IdempotencyEngine, key: string): Promise<{ elapsedMs: number; error: IdempotencyStoreError }> {
  let ran = false
  const started = performance.now()
  const error = await engine.run(key, { key }, () => (ran = true)).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  const elapsedMs = performance.now() - started
  expect(error).toBeInstanceOf(IdempotencyStoreError)
  expect(error).toMatchObject({ code: 'store_unavailable', status: 503, store: 'redis', operation: 'acquire' })
  expect(ran).toBe(false)
  return { elapsedMs, error: error as IdempotencyStoreError }
}

describe('a stopped Redis', () => {
  let server: ServerProcess | undefined
  afterEach(async () => {
    await server?.kill()
    server = undefined
  })

  test(`with commandTimeout ${COMMAND_TIMEOUT_MS} ms and maxRetriesPerRequest 1: store_unavailable within the command timeout`, async () => {
    server = await startServer(7399)
    const engine = createIdempotency({ store: redisStore({ client: client(server.url, BOUNDED) }) })
    expect(await engine.run('before', 1, () => 'ok')).toBe('ok')
    await server.kill()
    const { elapsedMs } = await expectUnavailable(engine, 'after-kill')
    console.info(`[figure] stopped Redis, bounded client: store_unavailable after ${Math.round(elapsedMs)} ms`)
    expect(elapsedMs).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS)
  })

  test("with ioredis' default options: the engine's storeTimeout bounds it", async () => {
    server = await startServer(7399)
    const engine = createIdempotency({ store: redisStore({ client: client(server.url, {}) }), storeTimeout: 800 })
    expect(await engine.run('before', 1, () => 'ok')).toBe('ok')
    await server.kill()
    const { elapsedMs, error } = await expectUnavailable(engine, 'after-kill')
    console.info(`[figure] stopped Redis, default client + storeTimeout 800 ms: store_unavailable after ${Math.round(elapsedMs)} ms`)
    expect(String((error.cause as Error).message)).toMatch(/timed out/)
    expect(elapsedMs).toBeLessThan(800 + SLACK_MS)
  })
})

describe('a live but unusable Redis', () => {
  let server: ServerProcess
  let admin: Redis
  let engine: IdempotencyEngine

  beforeAll(async () => {
    server = await startServer(7397)
    admin = client(server.url, BOUNDED)
    engine = createIdempotency({ store: redisStore({ client: client(server.url, BOUNDED) }) })
    expect(await engine.run('healthy', 1, () => 'ok')).toBe('ok')
  }, 30_000)

  afterAll(async () => {
    await server?.kill()
  })

  test('stalled (CLIENT PAUSE): store_unavailable within the command timeout', async () => {
    // WRITE mode stalls our scripts (they may write) while UNPAUSE below still gets through.
    await admin.client('PAUSE', 3_000, 'WRITE')
    try {
      const { elapsedMs, error } = await expectUnavailable(engine, 'stalled')
      console.info(`[figure] stalled Redis: store_unavailable after ${Math.round(elapsedMs)} ms`)
      expect(String((error.cause as Error).message)).toMatch(/timed out/i)
      expect(elapsedMs).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS)
    } finally {
      await admin.client('UNPAUSE')
    }
  })

  test('a read-only replica: store_unavailable (READONLY), and nothing is written', async () => {
    // A replica of a master that does not exist: it stays read-only and never syncs.
    await admin.replicaof('127.0.0.1', '1')
    try {
      const { error } = await expectUnavailable(engine, 'read-only')
      expect(String((error.cause as Error).message)).toMatch(/READONLY/)
      expect(await admin.exists('idemkit:{:read-only}')).toBe(0)
    } finally {
      await admin.replicaof('NO', 'ONE')
    }
    expect(await engine.run('writable-again', 1, () => 'ok')).toBe('ok')
  })

  test('out of memory (maxmemory reached, noeviction): store_unavailable (OOM), and nothing is written', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', '1')
    try {
      const { error } = await expectUnavailable(engine, 'oom')
      expect(String((error.cause as Error).message)).toMatch(/OOM/)
      expect(await admin.exists('idemkit:{:oom}')).toBe(0)
    } finally {
      await admin.config('SET', 'maxmemory', '0')
    }
    expect(await engine.run('room-again', 1, () => 'ok')).toBe('ok')
  })
})
