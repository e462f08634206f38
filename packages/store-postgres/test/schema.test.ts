/**
 * The table: the shipped migration equals the code's DDL, createIdempotencyTable is idempotent and
 * safe to race, custom names and schemas work (quoted), the drizzle table matches the real columns,
 * and purgeExpired deletes only dead rows, in bounded batches, through the expires_at index.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createIdempotency } from '@idemkit/core'
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/postgres-js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createIdempotencyTable, idempotencyKeysTable, idempotencyTableSql, postgresStore } from '../src/index.js'
import { buildStatements, qualifiedName } from '../src/statements.js'
import { assertServerReachable, client, freshTable, uniqueTableName } from './support/database.js'

const MIGRATION = fileURLToPath(new URL('../migrations/0000_idempotency_keys.sql', import.meta.url))
const sql = client({ max: 6 })
const db = drizzle(sql)
const schemaName = uniqueTableName('schema')

beforeAll(assertServerReachable)

afterAll(async () => {
  await sql.unsafe(`drop schema if exists "${schemaName}" cascade`)
  await sql.end({ timeout: 5 })
})

test('the shipped SQL migration is exactly idempotencyTableSql() for the default table', async () => {
  const file = await readFile(MIGRATION, 'utf8')
  const statements = file
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0)
  expect(statements).toEqual(idempotencyTableSql())
})

test('the migration creates the table: a fresh schema runs it twice and a store works on it', async () => {
  const file = await readFile(MIGRATION, 'utf8')
  const reserved = await sql.reserve()
  try {
    await reserved.unsafe(`create schema "${schemaName}"`)
    await reserved.unsafe(`set search_path to "${schemaName}"`)
    await reserved.unsafe(file) // simple protocol: the whole file at once, as psql -f would
    await reserved.unsafe(file)
    const [columns] = await reserved.unsafe<{ list: string }[]>(
      `select string_agg(column_name || ':' || data_type, ',' order by ordinal_position) as list
       from information_schema.columns where table_schema = $1 and table_name = 'idempotency_keys'`,
      [schemaName],
    )
    expect(columns?.list).toBe(
      'key:text,status:text,fingerprint:text,token:text,locked_until:bigint,expires_at:bigint,result:bytea',
    )
  } finally {
    await reserved.unsafe('reset search_path')
    reserved.release()
  }
  const store = postgresStore({ db, table: idempotencyKeysTable({ schema: schemaName }) })
  const now = Date.now()
  expect(await store.acquire({ key: 'k', fingerprint: 'f', token: 't', now, lockedUntil: now + 1_000, expiresAt: now + 2_000 })).toEqual({ acquired: true })
})

test('createIdempotencyTable is idempotent and safe when several callers race', async () => {
  const table = idempotencyKeysTable({ name: 'racing "quoted" table', schema: schemaName })
  await Promise.all(Array.from({ length: 5 }, () => createIdempotencyTable(db, table)))
  await createIdempotencyTable(db, table)
  const [found] = await sql<{ count: number }[]>`
    select count(*)::int as count from pg_indexes where schemaname = ${schemaName} and indexname = 'racing "quoted" table_expires_at_idx'`
  expect(found?.count).toBe(1)
  const engine = createIdempotency({ store: postgresStore({ db, table }) })
  expect(await engine.run('k', 1, () => 'ok')).toBe('ok')
  expect(await engine.run('k', 1, () => 'again')).toBe('ok')
})

test('the exported drizzle table reads the rows the store writes', async () => {
  const { table, drop } = await freshTable(db, sql, 'drizzle_table')
  try {
    const engine = createIdempotency({ store: postgresStore({ db, table }) })
    await engine.run('typed', { a: 1 }, () => ({ nul: '\u0000' }))
    const [row] = await db.select().from(table).where(eq(table.key, engine.storageKey('typed')))
    expect(row?.status).toBe('completed')
    expect(typeof row?.expiresAt).toBe('number')
    expect(row?.result).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(row?.result ?? new Uint8Array())).toBe('v{"nul":"\\u0000"}')
  } finally {
    await drop()
  }
})

test('table names are validated', () => {
  expect(() => idempotencyKeysTable({ name: '' })).toThrow(TypeError)
  expect(() => idempotencyKeysTable({ name: 'x'.repeat(49) })).toThrow(RangeError)
  expect(idempotencyKeysTable({ name: 'x'.repeat(48) })).toBeDefined()
})

describe('purgeExpired', () => {
  let fresh: Awaited<ReturnType<typeof freshTable>>
  beforeAll(async () => {
    fresh = await freshTable(db, sql, 'purge')
  })
  afterAll(async () => {
    await fresh?.drop()
  })

  test('deletes only records that are past expires_at and not live, in bounded batches', async () => {
    const store = postgresStore({ db, table: fresh.table })
    const now = 1_000_000_000_000
    const insert = (key: string, status: string, lockedUntil: number, expiresAt: number) =>
      sql.unsafe(`insert into "${fresh.name}" values ($1, $2, 'fp', 'tok', $3, $4, null)`, [key, status, lockedUntil, expiresAt])
    for (let index = 0; index < 25; index++) await insert(`dead-${index}`, 'completed', now - 10_000, now - index - 1)
    await insert('completed-live', 'completed', now - 10_000, now + 1)
    await insert('lapsed-in-progress', 'in_progress', now - 1, now - 1)
    await insert('leased-in-progress', 'in_progress', now + 60_000, now - 5) // lease still held: never purged
    await insert('boundary', 'completed', now - 10_000, now) // expires exactly now: dead

    expect(await store.purgeExpired({ now, limit: 10, batchSize: 4 })).toBe(10)
    expect(await store.purgeExpired({ now, limit: 100, batchSize: 7 })).toBe(17)
    expect(await store.purgeExpired({ now, limit: 100 })).toBe(0)
    const left = await sql.unsafe<{ key: string }[]>(`select key from "${fresh.name}" order by key`)
    expect(left.map((row) => row.key)).toEqual(['completed-live', 'leased-in-progress'])
    await expect(store.purgeExpired({ now, limit: 0 })).rejects.toThrow(RangeError)
  })

  test('finds its batch through the expires_at index', async () => {
    await sql.unsafe(
      `insert into "${fresh.name}" select 'bulk-' || n, 'completed', 'fp', 'tok', 0, 2000000000000 + n, null from generate_series(1, 20000) n`,
    )
    await sql.unsafe(`analyze "${fresh.name}"`)
    // The exact statement purgeExpired sends, with its parameters bound.
    const { purge } = buildStatements(qualifiedName(fresh.name, undefined))
    const plan = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain ${purge}`, [1_000, 1_000])
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using "?[^ ]*_expires_at_idx/)
  })
})
