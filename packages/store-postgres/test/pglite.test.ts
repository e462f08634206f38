/**
 * The store works with PGlite (PostgreSQL in WebAssembly, in-process) through drizzle: a smoke test
 * of claim, byte-exact replay and transactional completion. Its own file so its slow start-up (WASM
 * compile and initdb, several seconds on a busy machine) overlaps the other files.
 */
import { PGlite } from '@electric-sql/pglite'
import { createIdempotency } from '@idemkit/core'
import { drizzle as pglite } from 'drizzle-orm/pglite'
import { afterAll, describe, expect, test } from 'vitest'
import { createIdempotencyTable, postgresStore, runInTransaction } from '../src/index.js'

describe('PGlite', () => {
  let database: PGlite | undefined
  afterAll(async () => {
    await database?.close()
  })

  test('claims, completes, replays byte for byte and commits transactionally', async () => {
    database = new PGlite()
    const db = pglite(database)
    await createIdempotencyTable(db)
    const store = postgresStore({ db })
    const engine = createIdempotency({ store })
    const body = `nul\u0000 bom\ufeff emoji🧾 ${'x'.repeat(10_000)}`
    let calls = 0
    const first = await engine.runDetailed('k-1', { a: 1 }, () => {
      calls++
      return body
    })
    const second = await engine.runDetailed('k-1', { a: 1 }, () => {
      calls++
      return 'never'
    })
    expect(first).toEqual({ value: body, replayed: false })
    expect(second).toEqual({ value: body, replayed: true })
    expect(calls).toBe(1)

    await db.execute('create table orders (id serial primary key, ref text not null)')
    const order = await runInTransaction(engine, db, 'order-1', { ref: 'A' }, async (tx) => {
      await tx.execute(`insert into orders (ref) values ('A')`)
      return { ok: true }
    })
    const again = await runInTransaction(engine, db, 'order-1', { ref: 'A' }, async () => ({ ok: false }))
    expect(order).toEqual({ ok: true })
    expect(again).toEqual({ ok: true })
    const { rows } = await database.query<{ count: number }>('select count(*)::int as count from orders')
    expect(rows[0]?.count).toBe(1)
  }, 90_000)
})
