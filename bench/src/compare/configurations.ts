/**
 * Every server configuration of the HTTP comparison: which file, which store, which baseline its
 * ratios are taken against, and which workloads it runs.
 *
 * @module
 */
import type { WorkloadId } from './workloads.js'

export type Framework = 'express' | 'hono'
export type StoreKind = 'none' | 'memory' | 'redis' | 'postgres'

export interface Configuration {
  /** Short id: process name, Redis client name suffix, key prefix. */
  id: string
  /** As printed in the tables. */
  label: string
  framework: Framework
  /** The bare framework (the ratio's baseline) or a protected configuration. */
  role: 'bare' | 'idemkit' | 'peer'
  store: StoreKind
  /** Server file under `servers/`. */
  file: string
  args: string[]
  /** Workloads it runs; default all. */
  workloads?: readonly WorkloadId[]
  /** A footnote printed under the tables. */
  note?: string
}

export const CONFIGURATIONS: readonly Configuration[] = [
  { id: 'express-bare', label: 'Express 5 (bare)', framework: 'express', role: 'bare', store: 'none', file: 'express-bare.ts', args: [] },
  { id: 'express-idemkit-memory', label: 'idemkit Express + MemoryStore', framework: 'express', role: 'idemkit', store: 'memory', file: 'express-idemkit.ts', args: ['--store', 'memory'] },
  { id: 'express-idemkit-redis', label: 'idemkit Express + Redis', framework: 'express', role: 'idemkit', store: 'redis', file: 'express-idemkit.ts', args: ['--store', 'redis'], note: 'ioredis 6.1.0 with `enableAutoPipelining: true` (as the store-redis README recommends under concurrency; the same for every idemkit + Redis row).' },
  {
    id: 'express-idemkit-redis-cache',
    label: 'idemkit Express + Redis + localCache',
    framework: 'express',
    role: 'idemkit',
    store: 'redis',
    file: 'express-idemkit.ts',
    args: ['--store', 'redis', '--local-cache'],
    workloads: ['replay', 'replay100k'],
    note: '`createIdempotency({ localCache: { maxEntries: 100000 } })`: completed records kept in process, replays skip Redis.',
  },
  { id: 'express-idemkit-postgres', label: 'idemkit Express + PostgreSQL', framework: 'express', role: 'idemkit', store: 'postgres', file: 'express-idemkit.ts', args: ['--store', 'postgres'], note: 'node-postgres 8.23.1 pool of 10 through drizzle-orm 0.45.4.' },
  { id: 'express-idempotency-memory', label: 'express-idempotency (memory)', framework: 'express', role: 'peer', store: 'memory', file: 'express-idempotency.ts', args: ['--store', 'memory'], note: 'Its default in-memory adapter scans an array on every lookup, so its cost grows with the number of keys stored during the run.' },
  { id: 'express-idempotency-redis', label: 'express-idempotency + redis-adapter', framework: 'express', role: 'peer', store: 'redis', file: 'express-idempotency.ts', args: ['--store', 'redis'], note: 'express-idempotency-redis-adapter 1.0.8 (node-redis 1): GET then SET, not atomic.' },
  { id: 'node-idempotency-memory', label: '@node-idempotency/core (memory) †', framework: 'express', role: 'peer', store: 'memory', file: 'node-idempotency.ts', args: ['--store', 'memory'] },
  { id: 'node-idempotency-redis', label: '@node-idempotency/core + Redis †', framework: 'express', role: 'peer', store: 'redis', file: 'node-idempotency.ts', args: ['--store', 'redis'] },
  { id: 'hono-bare', label: 'Hono (bare, @hono/node-server)', framework: 'hono', role: 'bare', store: 'none', file: 'hono-bare.ts', args: [] },
  { id: 'hono-idemkit-memory', label: 'idemkit Hono + MemoryStore', framework: 'hono', role: 'idemkit', store: 'memory', file: 'hono-idemkit.ts', args: ['--store', 'memory'] },
  { id: 'hono-idemkit-redis', label: 'idemkit Hono + Redis', framework: 'hono', role: 'idemkit', store: 'redis', file: 'hono-idemkit.ts', args: ['--store', 'redis'] },
]

/** The footnote for the configurations marked †. */
export const NODE_IDEMPOTENCY_NOTE =
  '† `@node-idempotency/express` is not served by the registry: `@node-idempotency/core` 1.0.11 is driven by a minimal Express middleware that mirrors the published plugin (`bench/src/compare/servers/node-idempotency.ts`).'
