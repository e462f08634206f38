/**
 * The claim statement's hard case, made deterministic: the row that blocks a claim is committed by a
 * concurrent transaction AFTER the claim's snapshot was taken, so a plain SELECT in the same
 * statement could not see it. Every blocked claim must still return that row, in the same statement.
 */
import { drizzle } from 'drizzle-orm/postgres-js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { postgresStore, type PostgresStore } from '../src/index.js'
import { assertServerReachable, client, freshTable } from './support/database.js'

const CONTENDERS = 50
// One connection per contender: each claim is its own statement with its own snapshot, all blocked
// on the same uncommitted row at once.
const sql = client({ max: CONTENDERS + 2 })
let table: Awaited<ReturnType<typeof freshTable>>
let store: PostgresStore

beforeAll(async () => {
  await assertServerReachable()
  table = await freshTable(drizzle(sql), sql, 'claim')
  store = postgresStore({ db: drizzle(sql), table: table.table })
})

afterAll(async () => {
  await table?.drop()
  await sql.end({ timeout: 5 })
})

async function waitForBlockedClaims(count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const [row] = await sql<{ waiting: number }[]>`
      select count(*)::int as waiting from pg_stat_activity
      where wait_event_type = 'Lock' and query like 'WITH visible AS%' and datname = current_database()`
    if ((row?.waiting ?? 0) >= count) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`expected ${count} claims waiting on the row lock`)
}

test.each([
  ['a fresh insert', false],
  ['a takeover of a dead record', true],
])(
  `${CONTENDERS} claims blocked behind %s that commits after their snapshot all get the winner's row`,
  async (_label, existingDeadRecord) => {
    const key = `blocked-${existingDeadRecord ? 'takeover' : 'insert'}`
    const now = Date.now()
    if (existingDeadRecord) {
      await sql.unsafe(`insert into "${table.name}" values ($1, 'in_progress', 'fp-old', 'dead', $2, $3, null)`, [key, now - 1, now + 60_000])
    }
    const winner = await sql.reserve()
    try {
      await winner`begin`
      await winner.unsafe(
        `insert into "${table.name}" values ($1, 'in_progress', 'fp-winner', 'winner', $2, $3, null)
         on conflict (key) do update set token = excluded.token, fingerprint = excluded.fingerprint, locked_until = excluded.locked_until`,
        [key, now + 60_000, now + 120_000],
      )
      const claims = Array.from({ length: CONTENDERS }, (_, index) =>
        store.acquire({ key, fingerprint: 'fp', token: `contender-${index}`, now, lockedUntil: now + 60_000, expiresAt: now + 120_000 }),
      )
      await waitForBlockedClaims(CONTENDERS)
      await winner`commit`
      const results = await Promise.all(claims)
      expect(results.filter((result) => result.acquired)).toEqual([])
      for (const result of results) {
        expect(result).toMatchObject({ acquired: false, record: { key, status: 'in_progress', token: 'winner', fingerprint: 'fp-winner' } })
      }
      expect(await store.get(key)).toMatchObject({ token: 'winner', lockedUntil: now + 60_000 })
    } finally {
      await winner`rollback`.catch(() => {})
      winner.release()
    }
  },
  30_000,
)

test('a replay of a committed live record writes nothing (no new row version)', async () => {
  const now = Date.now()
  await store.acquire({ key: 'quiet', fingerprint: 'fp', token: 'owner', now, lockedUntil: now + 60_000, expiresAt: now + 120_000 })
  await store.complete({ key: 'quiet', token: 'owner', result: 'r', expiresAt: now + 120_000 })
  const version = async () => (await sql.unsafe<{ ctid: string; xmin: string }[]>(`select ctid, xmin from "${table.name}" where key = 'quiet'`))[0]
  const before = await version()
  for (let index = 0; index < 5; index++) {
    const replay = await store.acquire({ key: 'quiet', fingerprint: 'fp', token: `dup-${index}`, now: now + 1, lockedUntil: now + 60_000, expiresAt: now + 120_000 })
    expect(replay).toMatchObject({ acquired: false, record: { result: 'r' } })
  }
  expect(await version()).toEqual(before)
})
