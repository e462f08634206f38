/**
 * Store round trips per request, measured from the store's side of the wire: Redis commands each
 * server's own connection sent (`MONITOR`, matched by connection name), PostgreSQL statements the
 * server's pool sent (counted in the server process). Requests are sent one at a time so the count
 * per request is exact.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { drive } from './drive.js'
import { ORDERS_PATH } from './payloads.js'
import { addressesByName, type RedisMonitor } from './redis-monitor.js'
import type { ServerProcess } from './server-process.js'
import { seededKey } from './workloads.js'

/** Requests per count: enough that a stray reconnect or script load shows as a fraction, not a whole. */
const SAMPLE = 200

export interface RoundTrips {
  /** Store round trips per request with a new key. */
  perNew: number
  /** Store round trips per replay. */
  perReplay: number
  /** Command names seen for new keys and replays, e.g. `evalsha ×2`. */
  newCommands: string
  replayCommands: string
}

export async function measureRoundTrips(
  server: ServerProcess,
  keyPrefix: string,
  clientName: string,
  admin: Redis,
  monitor: RedisMonitor | undefined,
): Promise<RoundTrips | undefined> {
  const { store } = server.configuration
  if (store === 'none' || store === 'memory') return undefined
  const count = async (keyOf: (n: number) => string): Promise<{ perRequest: number; commands: string }> => {
    const before = await server.stats()
    monitor?.take()
    await drive({ port: server.port, path: ORDERS_PATH, keyOf, connections: 1, amount: SAMPLE })
    const after = await server.stats()
    if (store === 'postgres') return { perRequest: (after.statements - before.statements) / SAMPLE, commands: 'statements' }
    if (monitor === undefined) throw new Error('a Redis configuration needs the monitor')
    await monitor.settle()
    const addresses = new Set(addressesByName((await admin.client('LIST')) as string).get(clientName) ?? [])
    if (addresses.size === 0) throw new Error(`${server.configuration.id}: no Redis connection named ${clientName} (CLIENT SETNAME not sent?)`)
    const mine = monitor.take().filter((command) => addresses.has(command.source))
    const names = new Map<string, number>()
    for (const command of mine) {
      const name = (command.args[0]?.toString() ?? '?').toLowerCase()
      names.set(name, (names.get(name) ?? 0) + 1)
    }
    const commands = [...names].map(([name, total]) => `${name} ×${round2(total / SAMPLE)}`).join(', ')
    return { perRequest: mine.length / SAMPLE, commands }
  }
  const fresh = await count((n) => `${keyPrefix}-rt-${n}`)
  const replay = await count((n) => seededKey(keyPrefix, ORDERS_PATH, n))
  return { perNew: fresh.perRequest, perReplay: replay.perRequest, newCommands: fresh.commands, replayCommands: replay.commands }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

/** Keys sent in the duplicate check; each by {@link DUPLICATES} requests in a row, over 20 connections. */
const DUPLICATE_KEYS = 100
const DUPLICATES = 8

/**
 * Handler executions per key when each key arrives 8 times at once: exactly 1 for an atomic claim.
 * Sent as an exact number of requests (autocannon waits for every answer), so no request still in
 * flight when a timed measurement stops can skew the count.
 */
export async function measureDuplicates(server: ServerProcess, keyPrefix: string): Promise<{ runsPerKey: number; statuses: Record<string, number> }> {
  const before = await server.stats()
  const result = await drive({
    port: server.port,
    path: ORDERS_PATH,
    keyOf: (n) => `${keyPrefix}-x-${Math.floor(n / DUPLICATES)}`,
    connections: 20,
    amount: DUPLICATE_KEYS * DUPLICATES,
  })
  const after = await server.stats()
  return { runsPerKey: (after.executions - before.executions) / DUPLICATE_KEYS, statuses: result.statuses }
}
