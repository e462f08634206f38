/**
 * What the orchestrator tells a worker process (JSON in `CHAOS_WORKER_CONFIG`) and the IPC messages
 * they exchange. Shared by both sides so a change breaks the typecheck, not a run.
 *
 * @module
 */

/** The store a worker protects its routes with. */
export type StoreConfig =
  | { kind: 'postgres'; url: string; schema: string }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'redis-cluster'; nodes: Array<{ host: string; port: number }>; prefix: string }
  | { kind: 'dynamodb'; endpoint: string; table: string }
  | { kind: 'memory'; maxEntries: number }

/** Where handlers write their side effect, so duplicates are counted from data. */
export type LedgerConfig =
  | { kind: 'postgres'; url: string; table: string }
  | { kind: 'redis'; url: string; prefix: string }

/**
 * One protected site inside a worker: a store, an engine and a ledger, served under `/m/<name>/`.
 * Workers are started once per run and sites are mounted and unmounted over IPC, because starting a
 * TypeScript worker costs seconds on a loaded machine and the run needs dozens of configurations.
 */
export interface MountConfig {
  name: string
  store: StoreConfig
  ledger: LedgerConfig
  /** Lease in ms (engine default 60 s). */
  lease?: number
  /** Lease heartbeat (engine default on). */
  heartbeat?: boolean
  /**
   * Connections of the store's PostgreSQL pool. Default 5: the shared server allows 100 clients in
   * all, and a storm runs 4 workers.
   */
  postgresPool?: number
  /** Store call timeout in ms (engine default 10 s). */
  storeTimeout?: number
  /** Bearer token → tenant id; the tenant is the idempotency scope. */
  tenants?: Record<string, string>
  /** Value of the `Set-Cookie` every handler answer carries (must never reach the store). */
  cookieSecret: string
}

/** The framework a worker process runs. */
export type Framework = 'express' | 'hono'

/** Parent → worker. */
export type ParentMessage =
  | { type: 'stats'; id: number; mount: string | undefined }
  | { type: 'mount'; id: number; mount: MountConfig }
  | { type: 'unmount'; id: number; name: string }

/** Worker → parent. */
export type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'stats'; id: number; stats: WorkerStats }
  | { type: 'done'; id: number; error?: string }

/** Counters of one mounted site. */
export interface MountStats {
  /** Handlers currently running. */
  inside: number
  /** Handlers that performed their side effect. */
  executed: number
  /** `onLeaseLost` hook calls. */
  leaseLost: number
  /** `onStoreError` hook calls. */
  storeErrors: number
}

/** Counters of a site (zeros when not asked for one) and memory of the worker. */
export interface WorkerStats extends MountStats {
  pid: number
  /** Bytes, after a forced GC. */
  heapUsed: number
  rss: number
}

/** Request headers the load client uses to steer a handler (never part of the fingerprint). */
export const CONTROL = {
  /** ms the handler sleeps before its side effect. */
  delayBefore: 'x-chaos-delay-before',
  /** ms the handler sleeps after its side effect, before answering. */
  delayAfter: 'x-chaos-delay-after',
  /** Operation id: the ledger row's key. */
  op: 'x-chaos-op',
} as const

/** Marks answers produced by the app's own error handlers (not by idemkit). */
export const APP_ERROR_HEADER = 'x-chaos-app-error'
