/**
 * Bad input and bad networks: an oversized result fails clearly before anything is written; a lost
 * connection or a silent network fails as `store_unavailable` (through the core), never a hung promise.
 */
import { createIdempotency, IdempotencyStoreError, isIdempotencyError, ResultTooLargeError } from '@idemkit/core'
import { drizzle } from 'drizzle-orm/postgres-js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { postgresStore } from '../src/index.js'
import { assertServerReachable, client, DATABASE_URL, freshTable } from './support/database.js'
import { startWireProxy, type WireProxy } from './support/wire-proxy.js'

const LIMIT = 1_024

let sql: ReturnType<typeof client>
let table: Awaited<ReturnType<typeof freshTable>>
let sentParameters: unknown[][] = []

beforeAll(async () => {
  await assertServerReachable()
  sql = client({ max: 4, debug: (_connection, _query, parameters) => void sentParameters.push(parameters) })
  table = await freshTable(drizzle(sql), sql, 'failures')
})

afterAll(async () => {
  await table?.drop()
  await sql?.end({ timeout: 5 })
})

describe('a result larger than maxResultBytes', () => {
  test('run(): clear error, the oversized bytes are never sent, the key holds a small marker that replays the error', async () => {
    const store = postgresStore({ db: drizzle(sql), table: table.table, maxResultBytes: LIMIT })
    const engine = createIdempotency({ store })
    const big = 'é'.repeat(LIMIT) // 2 bytes each in UTF-8: twice the limit
    sentParameters = []
    let calls = 0
    const error = await engine
      .run('too-big', 1, () => {
        calls++
        return big
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ResultTooLargeError)
    expect(error).toMatchObject({ code: 'result_too_large', limit: LIMIT })
    expect((error as ResultTooLargeError).bytes).toBeGreaterThan(LIMIT)
    const largestParameter = Math.max(...sentParameters.flat().map((value) => (value instanceof Uint8Array ? value.length : String(value).length)))
    expect(largestParameter).toBeLessThan(LIMIT)
    const record = await store.get(engine.storageKey('too-big'))
    expect(record?.status).toBe('completed')
    expect(record?.result?.startsWith('x')).toBe(true)
    // A retry never re-executes the side effect; it gets the same clear error.
    await expect(engine.run('too-big', 1, () => calls++)).rejects.toBeInstanceOf(ResultTooLargeError)
    expect(calls).toBe(1)
  })

  test('store.complete() called directly refuses before sending anything and leaves the record in progress', async () => {
    const store = postgresStore({ db: drizzle(sql), table: table.table, maxResultBytes: LIMIT })
    const now = Date.now()
    await store.acquire({ key: 'direct', fingerprint: 'fp', token: 'owner', now, lockedUntil: now + 60_000, expiresAt: now + 120_000 })
    sentParameters = []
    await expect(store.complete({ key: 'direct', token: 'owner', result: 'x'.repeat(LIMIT + 1), expiresAt: now + 120_000 })).rejects.toThrow(
      /exceeds the store's limit of 1024 bytes/,
    )
    expect(sentParameters).toEqual([])
    expect(await store.get('direct')).toMatchObject({ status: 'in_progress', token: 'owner' })
    expect(await store.complete({ key: 'direct', token: 'owner', result: 'x'.repeat(LIMIT), expiresAt: now + 120_000 })).toBe(true)
  })

  test('maxResultBytes is validated', () => {
    expect(() => postgresStore({ db: drizzle(sql), maxResultBytes: 0 })).toThrow(RangeError)
    expect(() => postgresStore({ db: drizzle(sql), maxResultBytes: 1.5 })).toThrow(RangeError)
    expect(postgresStore({ db: drizzle(sql) }).maxResultBytes).toBe(4 * 1024 * 1024)
  })
})

describe('connection failures', () => {
  let proxy: WireProxy
  let proxied: ReturnType<typeof client>

  beforeAll(async () => {
    proxy = await startWireProxy(new URL(DATABASE_URL))
    proxied = client({ max: 2, connect_timeout: 2 }, proxy.url)
  })

  afterAll(async () => {
    proxy.dropConnections()
    await proxied.end({ timeout: 1 })
    await proxy.close()
  })

  test('a connection dropped mid-call rejects as store_unavailable at once, the function never runs, and the next call works', async () => {
    const engine = createIdempotency({ store: postgresStore({ db: drizzle(proxied), table: table.table }) })
    expect(await engine.run('warm', 1, () => 'ok')).toBe('ok')
    proxy.freeze()
    let ran = false
    const started = Date.now()
    const pending = engine.run('dropped', 1, () => {
      ran = true
      return 'never'
    })
    await new Promise((resolve) => setTimeout(resolve, 200)) // the acquire is now on the wire, unanswered
    proxy.dropConnections()
    const error = await pending.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(IdempotencyStoreError)
    expect(error).toMatchObject({ code: 'store_unavailable', status: 503, operation: 'acquire', store: 'postgres' })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(ran).toBe(false)
    proxy.thaw()
    expect(await engine.run('dropped', 1, () => 'after reconnect')).toBe('after reconnect')
  })

  test('a network that goes silent is bounded by the core storeTimeout: store_unavailable, not a hang', async () => {
    const engine = createIdempotency({ store: postgresStore({ db: drizzle(proxied), table: table.table }), storeTimeout: '750ms' })
    expect(await engine.run('warm-2', 1, () => 'ok')).toBe('ok')
    proxy.freeze()
    const started = Date.now()
    const error = await engine.run('silent', 1, () => 'never').catch((caught: unknown) => caught)
    const elapsed = Date.now() - started
    expect(isIdempotencyError(error, 'store_unavailable')).toBe(true)
    expect((error as Error).message).toMatch(/timed out/)
    expect(elapsed).toBeGreaterThanOrEqual(700)
    expect(elapsed).toBeLessThan(5_000)
    proxy.dropConnections()
    proxy.thaw()
  })

  test('a backend terminated on the server while it waits for a row lock rejects as store_unavailable', async () => {
    const engine = createIdempotency({ store: postgresStore({ db: drizzle(sql), table: table.table }), heartbeat: false })
    const storageKey = engine.storageKey('locked')
    const now = Date.now()
    // A dead (lapsed) record, so the claim takes the ON CONFLICT path and must lock the row.
    await sql.unsafe(
      `insert into "${table.name}" values ($1, 'in_progress', 'fp', 'stale', $2, $3, null)`,
      [storageKey, now - 1_000, now + 60_000],
    )
    const blocker = await sql.reserve()
    try {
      await blocker`begin`
      await blocker.unsafe(`select 1 from "${table.name}" where key = $1 for update`, [storageKey])
      const pending = engine.run('locked', 1, () => 'never')
      let waiting: { pid: number } | undefined
      for (let attempt = 0; attempt < 100 && waiting === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        ;[waiting] = await sql<{ pid: number }[]>`
          select pid from pg_stat_activity where wait_event_type = 'Lock' and query like 'WITH visible AS%' and datname = current_database()`
      }
      expect(waiting).toBeDefined()
      await sql`select pg_terminate_backend(${waiting!.pid})`
      const error = await pending.catch((caught: unknown) => caught)
      expect(isIdempotencyError(error, 'store_unavailable')).toBe(true)
      expect((error as IdempotencyStoreError).cause).toBeInstanceOf(Error)
    } finally {
      await blocker`rollback`
      blocker.release()
    }
  })
})
