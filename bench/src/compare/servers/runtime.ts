/**
 * What every benchmark server process shares: the command-line settings the harness passes, the
 * counters it reads back (handler executions, store statements, CPU time), and the IPC protocol
 * (`ready` → `stats`* → `close`).
 *
 * Each configuration runs in its own process so one library's garbage, timers and connection pools
 * can never slow another one down, and so `process.cpuUsage()` is the cost of that configuration
 * alone.
 *
 * @module
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { ORDER_RESPONSE, REPORT_RESPONSE } from '../payloads.js'

/** Settings of one server process, from its command line. */
export interface ServerSettings {
  /** Which store: `memory`, `redis` or `postgres`. */
  store: 'memory' | 'redis' | 'postgres'
  /** Namespace of everything the process writes (Redis key prefix, Postgres table name). */
  namespace: string
  /** Name of this process's Redis connection (`CLIENT SETNAME`), so the harness can count its commands. */
  clientName: string
  /** Serve replays from idemkit's in-process cache (`localCache`). */
  localCache: boolean
  redisUrl: string
  databaseUrl: string
}

export function readSettings(): ServerSettings {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'memory' },
      namespace: { type: 'string', default: 'ikb' },
      'client-name': { type: 'string', default: 'ikb' },
      'local-cache': { type: 'boolean', default: false },
    },
  })
  const store = values.store
  if (store !== 'memory' && store !== 'redis' && store !== 'postgres') throw new Error(`unknown --store ${String(store)}`)
  return {
    store,
    namespace: values.namespace,
    clientName: values['client-name'],
    localCache: values['local-cache'],
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  }
}

/** Counters the harness reads through `stats`. */
export const counters = {
  /** How many times a route handler ran (a replay must not run it). */
  executions: 0,
  /** Statements sent to PostgreSQL (counted by `countPgStatements`). */
  statements: 0,
}

/** The `/orders` handler's answer: a fresh order id around the 1 KB response. */
export function nextOrder(): Record<string, unknown> {
  counters.executions++
  return { id: `ord_${counters.executions}`, ...ORDER_RESPONSE }
}

/** The `/reports` handler's answer: the 100 KB response. */
export function nextReport(): Record<string, unknown> {
  counters.executions++
  return REPORT_RESPONSE
}

/** The message a server sends when asked for `stats`. */
export interface ServerStats {
  type: 'stats'
  /** `process.cpuUsage()` user + system, in microseconds, since the process started. */
  cpuMicros: number
  executions: number
  statements: number
}

/** The message a server sends once it listens. */
export interface ServerReady {
  type: 'ready'
  port: number
}

/**
 * Listen on a free loopback port, tell the harness, answer `stats`, and on `close` run `cleanup`
 * (drop tables, delete keys, quit clients) before exiting, so two runs in a row start clean.
 */
export function serve(server: Server, cleanup: () => Promise<void> = async () => {}): void {
  // Keep-alive longer than a whole run: autocannon's 20 connections must never be re-established
  // in the middle of a measurement (that would add TCP handshakes to one configuration only).
  server.keepAliveTimeout = 600_000
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    send({ type: 'ready', port } satisfies ServerReady)
  })
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') {
      const usage = process.cpuUsage()
      send({ type: 'stats', cpuMicros: usage.user + usage.system, ...counters } satisfies ServerStats)
    } else if (message.type === 'close') {
      server.closeAllConnections()
      server.close()
      cleanup().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('cleanup failed:', error)
          process.exit(1)
        },
      )
    }
  })
  // The harness died without saying goodbye: never linger as an orphan holding a port and connections.
  process.on('disconnect', () => {
    cleanup().finally(() => process.exit(0))
  })
}

function send(message: object): void {
  if (process.send === undefined) throw new Error('benchmark servers are started by the harness (compare/main.ts), with an IPC channel')
  process.send(message)
}
