/**
 * Statements and network round trips per `run()`: a new key costs 2 (acquire + complete), a replay 1.
 * Counted twice, independently: by postgres.js's `debug` hook (every query the driver sends) and by
 * a proxy that reads the PostgreSQL wire protocol (every time the client waits for the server), so a
 * hidden extra round trip (e.g. a Describe before each query) fails the test too.
 */
import { createIdempotency } from '@idemkit/core'
import { drizzle } from 'drizzle-orm/postgres-js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { postgresStore, type PostgresStore } from '../src/index.js'
import { assertServerReachable, client, DATABASE_URL, freshTable } from './support/database.js'
import { startWireProxy, type WireProxy } from './support/wire-proxy.js'

const NEW_KEY_STATEMENTS = 2
const REPLAY_STATEMENTS = 1

describe('round trips per run()', () => {
  let proxy: WireProxy
  let sent: string[] = []
  let sql: ReturnType<typeof client>
  let store: PostgresStore
  let drop: () => Promise<void>

  beforeAll(async () => {
    await assertServerReachable()
    proxy = await startWireProxy(new URL(DATABASE_URL))
    // One connection: every statement is prepared on it once, then runs as a single round trip.
    sql = client({ max: 1, debug: (_connection, query) => void sent.push(query) }, proxy.url)
    const db = drizzle(sql)
    const fresh = await freshTable(db, sql, 'round_trips')
    drop = fresh.drop
    store = postgresStore({ db, table: fresh.table })
  })

  afterAll(async () => {
    await drop?.()
    await sql?.end({ timeout: 5 })
    await proxy?.close()
  })

  test(`new key = ${NEW_KEY_STATEMENTS} statements and round trips, replay = ${REPLAY_STATEMENTS}`, async () => {
    const engine = createIdempotency({ store, heartbeat: false })
    // Warm-up: the first use of each statement on a connection also parses and describes it.
    await engine.run('warm-up', { n: 0 }, () => ({ ok: 0 }))
    await engine.run('warm-up', { n: 0 }, () => ({ ok: 0 }))

    for (let index = 1; index <= 20; index++) {
      sent = []
      proxy.reset()
      const first = await engine.runDetailed(`key-${index}`, { n: index }, () => ({ ok: index }))
      expect(first).toEqual({ value: { ok: index }, replayed: false })
      expect(sent).toHaveLength(NEW_KEY_STATEMENTS)
      expect(sent[0]).toMatch(/^WITH visible AS/)
      expect(sent[1]).toMatch(/^UPDATE .*SET status = 'completed'/s)
      expect(proxy.roundTrips()).toBe(NEW_KEY_STATEMENTS)
      expect(proxy.messages.get('P') ?? 0).toBe(0) // no re-parse: the named statement is reused

      sent = []
      proxy.reset()
      const replay = await engine.runDetailed(`key-${index}`, { n: index }, () => ({ ok: -1 }))
      expect(replay).toEqual({ value: { ok: index }, replayed: true })
      expect(sent).toHaveLength(REPLAY_STATEMENTS)
      expect(proxy.roundTrips()).toBe(REPLAY_STATEMENTS)
    }
  })

  test('a failed function costs acquire + release, and the retry executes', async () => {
    const engine = createIdempotency({ store, heartbeat: false })
    await engine.run('warm-release', 1, () => 1).catch(() => {})
    await expect(engine.run('warm-release-2', 1, () => Promise.reject(new Error('x')))).rejects.toThrow('x')
    sent = []
    proxy.reset()
    await expect(engine.run('fails', 1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(sent).toHaveLength(2)
    expect(sent[1]).toMatch(/^DELETE/)
    expect(proxy.roundTrips()).toBe(2)
    expect(await engine.run('fails', 1, () => 'second try')).toBe('second try')
  })
})
