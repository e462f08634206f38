/**
 * runInTransaction: the business writes and the stored result commit together or not at all.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createIdempotency, LeaseLostError, ResultTooLargeError } from '@idemkit/core'
import { sql as drizzleSql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/postgres-js'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { postgresStore, runInTransaction, type PostgresStore } from '../src/index.js'
import { assertServerReachable, client, DATABASE_URL, freshTable, uniqueTableName } from './support/database.js'

const KILL_WORKER = fileURLToPath(new URL('./workers/kill-worker.ts', import.meta.url))

const sql = client({ max: 5 })
const db = drizzle(sql)
const business = uniqueTableName('tx_business')
let table: Awaited<ReturnType<typeof freshTable>>
let store: PostgresStore

beforeAll(async () => {
  await assertServerReachable()
  table = await freshTable(db, sql, 'transaction')
  store = postgresStore({ db, table: table.table })
  await sql.unsafe(`create table "${business}" (id bigserial primary key, key text not null, writer text not null)`)
})

afterAll(async () => {
  await table?.drop()
  await sql.unsafe(`drop table if exists "${business}"`)
  await sql.end({ timeout: 5 })
})

async function businessRows(key: string): Promise<string[]> {
  const rows = await sql.unsafe<{ writer: string }[]>(`select writer from "${business}" where key = $1 order by id`, [key])
  return rows.map((row) => row.writer)
}

function insertBusiness(tx: { execute: typeof db.execute }, key: string, writer: string) {
  return tx.execute(drizzleSql`insert into ${drizzleSql.identifier(business)} (key, writer) values (${key}, ${writer})`)
}

describe('runInTransaction', () => {
  let engine: ReturnType<typeof createIdempotency>
  beforeEach(() => {
    engine = createIdempotency({ store })
  })

  test('commits the business write and the result together; retries replay it, through run() too', async () => {
    let calls = 0
    const first = await runInTransaction(engine, db, 'order-1', { total: 10 }, async (tx, context) => {
      calls++
      expect(context.storageKey).toBe(engine.storageKey('order-1'))
      await insertBusiness(tx, 'order-1', 'first')
      return { orderId: 1, note: 'nul\u0000ok' }
    })
    const second = await runInTransaction(engine, db, 'order-1', { total: 10 }, async (tx) => {
      calls++
      await insertBusiness(tx, 'order-1', 'second')
      return { orderId: 2, note: '' }
    })
    const viaRun = await engine.runDetailed('order-1', { total: 10 }, () => ({ orderId: 3, note: '' }))
    expect(first).toEqual({ orderId: 1, note: 'nul\u0000ok' })
    expect(second).toEqual(first)
    expect(viaRun).toEqual({ value: first, replayed: true })
    expect(calls).toBe(1)
    expect(await businessRows('order-1')).toEqual(['first'])
    expect(await store.get(engine.storageKey('order-1'))).toMatchObject({ status: 'completed' })
  })

  test('a thrown error rolls the business write back and releases the key, so the retry executes cleanly', async () => {
    await expect(
      runInTransaction(engine, db, 'order-2', {}, async (tx) => {
        await insertBusiness(tx, 'order-2', 'failed')
        throw new Error('payment declined')
      }),
    ).rejects.toThrow('payment declined')
    expect(await businessRows('order-2')).toEqual([])
    expect(await store.get(engine.storageKey('order-2'))).toBeUndefined()
    const retry = await runInTransaction(engine, db, 'order-2', {}, async (tx) => {
      await insertBusiness(tx, 'order-2', 'retry')
      return 'ok'
    })
    expect(retry).toBe('ok')
    expect(await businessRows('order-2')).toEqual(['retry'])
  })

  test('a result over maxResultBytes: clear error, business write rolled back, key released', async () => {
    const small = createIdempotency({ store: postgresStore({ db, table: table.table, maxResultBytes: 100 }) })
    const error = await runInTransaction(small, db, 'order-3', {}, async (tx) => {
      await insertBusiness(tx, 'order-3', 'too-big')
      return 'x'.repeat(500)
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ResultTooLargeError)
    expect(await businessRows('order-3')).toEqual([])
    expect(await store.get(small.storageKey('order-3'))).toBeUndefined()
  })

  test('a lease taken over meanwhile: lease_lost, the stale business write rolls back, the new owner is untouched', async () => {
    const slow = createIdempotency({ store, lease: '300ms', heartbeat: false })
    const other = createIdempotency({ store })
    const error = await runInTransaction(slow, db, 'order-4', {}, async (tx) => {
      await insertBusiness(tx, 'order-4', 'stale')
      await new Promise((resolve) => setTimeout(resolve, 500)) // the lease lapses…
      await other.run('order-4', {}, () => 'new owner') // …and another worker takes the key over
      return 'stale result'
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LeaseLostError)
    expect(await businessRows('order-4')).toEqual([])
    expect(await store.get(engine.storageKey('order-4'))).toMatchObject({ status: 'completed' })
    expect(await other.run('order-4', {}, () => 'never')).toBe('new owner')
  })

  test.each([
    ['without', undefined],
    ['with', { maxEntries: 100 }],
  ])('COMMIT failing after the completion (deferred constraint) leaves neither the write nor the result (%s localCache)', async (_label, localCache) => {
    // With localCache, the lease caches the completion as soon as the fenced UPDATE succeeds, before
    // COMMIT: the release after the failed COMMIT must drop that entry, or this process would replay a
    // result that never committed.
    engine = createIdempotency({ store, localCache })
    const guarded = uniqueTableName('tx_guarded')
    await sql.unsafe(`create table "${guarded}" (id int primary key, parent int not null references "${guarded}" (id) deferrable initially deferred)`)
    try {
      const key = `order-5-${localCache === undefined ? 'plain' : 'cached'}`
      const error = await runInTransaction(engine, db, key, {}, async (tx) => {
        await insertBusiness(tx, key, 'doomed')
        await tx.execute(drizzleSql`insert into ${drizzleSql.identifier(guarded)} (id, parent) values (1, 999)`)
        return 'would be stored'
      }).catch((caught: unknown) => caught)
      expect((error as { code?: string }).code).toBe('23503') // foreign_key_violation, raised at COMMIT
      expect(await businessRows(key)).toEqual([])
      expect(await store.get(engine.storageKey(key))).toBeUndefined()
      expect(await engine.run(key, {}, () => 'executed again')).toBe('executed again')
    } finally {
      await sql.unsafe(`drop table if exists "${guarded}"`)
    }
  })

  test('rejects an engine whose store is not a postgres store', async () => {
    const { MemoryStore } = await import('@idemkit/core')
    const memory = createIdempotency({ store: new MemoryStore() })
    await expect(runInTransaction(memory, db, 'k', {}, async () => 1)).rejects.toThrow(/postgresStore/)
  })
})

test('SIGKILL between the business insert and COMMIT: the retry leaves exactly one business row', async () => {
  const key = 'crash-order'
  const child = spawn(process.execPath, ['--conditions=@idemkit/source', '--import', 'tsx', KILL_WORKER, DATABASE_URL, table.name, business, key], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('inserted') && resolve())
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before inserting: ${stderr}`)))
  })
  const engine = createIdempotency({ store, inFlight: { wait: { timeoutMs: 15_000, pollMs: 50 } } })
  // Before the kill: the insert is invisible (uncommitted) and the key is in flight.
  expect(await businessRows(key)).toEqual([])
  expect(await store.get(engine.storageKey(key))).toMatchObject({ status: 'in_progress' })

  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')

  // The retry waits for the dead worker's 1 s lease to lapse, then executes in its own transaction.
  let executed = 0
  const retried = await runInTransaction(engine, db, key, { order: 42 }, async (tx) => {
    executed++
    await insertBusiness(tx, key, 'retry')
    return 'charged once'
  })
  expect(retried).toBe('charged once')
  expect(executed).toBe(1)
  expect(await businessRows(key)).toEqual(['retry'])
  expect(await engine.runDetailed(key, { order: 42 }, () => 'never')).toEqual({ value: 'charged once', replayed: true })
  expect(await businessRows(key)).toEqual(['retry'])
}, 30_000)
