import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { describe, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { storeFromEnv } from '@idemkit/example-payments-shared/store-from-env'

/** Delete what one test wrote (its scope is unique to the run), so runs leave the servers as they found them. */
async function removeRecords(kind: 'postgres' | 'redis', scope: string): Promise<void> {
  if (kind === 'postgres') {
    const { default: postgres } = await import('postgres')
    const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} })
    try {
      await sql`delete from idempotency_keys where key like ${`${scope}:%`}`
    } finally {
      await sql.end({ timeout: 1 })
    }
  } else {
    const { Redis } = await import('ioredis')
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    try {
      const keys = await client.keys(`idemkit-example:*${scope}*`) // a handful of keys in a test database
      if (keys.length > 0) await client.del(...keys)
    } finally {
      await client.quit()
    }
  }
}

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const HINTS: Record<string, string> = {
  postgres: `PostgreSQL at DATABASE_URL=${DATABASE_URL}; start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
  redis: `Redis at REDIS_URL=${REDIS_URL}; start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
}

describe.each(['postgres', 'redis'] as const)('IDEMKIT_STORE=%s', (kind) => {
  test('the API replays from the shared store, across two app instances', async () => {
    const connect = () => storeFromEnv({ IDEMKIT_STORE: kind, DATABASE_URL, REDIS_URL })
    let first: Awaited<ReturnType<typeof storeFromEnv>>
    try {
      first = await connect()
      await first.store.get(':probe') // fail here, with the hint, when no server answers
    } catch (error) {
      throw new Error(`${kind} is not reachable: ${(error as Error).message}. Needs ${HINTS[kind]}`, { cause: error })
    }
    const second = await connect()
    // Two app instances (two "processes") sharing one store: a retry may land on either.
    const scope = `acct_${kind}_${randomUUID()}`
    const apps = [createApp({ store: first.store }), createApp({ store: second.store })]
    const servers = apps.map((app) => app.listen(0, '127.0.0.1'))
    try {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.once('listening', resolve))))
      const key = randomUUID()
      const send = (index: number) =>
        fetch(`http://127.0.0.1:${(servers[index]!.address() as AddressInfo).port}/payments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-account-id': scope },
          body: JSON.stringify({ amount: 4200, currency: 'EUR' }),
        })
      const a = await send(0)
      const b = await send(1)
      expect(a.status).toBe(201)
      expect(b.headers.get('idempotent-replayed')).toBe('true')
      expect(await b.text()).toBe(await a.text())
      const effects = apps.map((app) => (app.locals.ledger as { count(): number }).count())
      expect(effects).toEqual([1, 0])
    } finally {
      for (const server of servers) server.closeAllConnections()
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
      await removeRecords(kind, scope)
      await first.close()
      await second.close()
    }
  })
})

test('an unknown IDEMKIT_STORE is refused, naming the variable', async () => {
  await expect(storeFromEnv({ IDEMKIT_STORE: 'mongo' })).rejects.toThrow(/IDEMKIT_STORE/)
})
