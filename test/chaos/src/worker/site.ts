/**
 * A mounted site: the store, engine, ledger and route logic of one {@link MountConfig}, built inside
 * a worker when the orchestrator mounts it and closed when it unmounts it.
 *
 * @module
 */
import { createIdempotency, type IdempotencyEngine } from '@idemkit/core'
import { openLedgerWriter, type LedgerWriter } from '../ledger.js'
import type { Framework, MountConfig, MountStats } from './config.js'
import { Operations } from './operation.js'
import { buildStore, type BuiltStore } from './store.js'

/** Everything one site owns. */
export interface Site {
  config: MountConfig
  engine: IdempotencyEngine
  operations: Operations
  stats: MountStats
  close(): Promise<void>
}

/** Build the site of `config`. */
export function buildSite(framework: Framework, config: MountConfig): Site {
  const stats: MountStats = { inside: 0, executed: 0, leaseLost: 0, storeErrors: 0 }
  const storeTimeout = config.storeTimeout ?? 10_000
  const built: BuiltStore = buildStore(config.store, storeTimeout, config.postgresPool)
  const engine = createIdempotency({
    store: built.store,
    storeTimeout,
    ...(config.lease === undefined ? {} : { lease: config.lease }),
    ...(config.heartbeat === undefined ? {} : { heartbeat: config.heartbeat }),
    hooks: {
      onLeaseLost: () => {
        stats.leaseLost++
      },
      onStoreError: () => {
        stats.storeErrors++
      },
    },
  })
  const ledger: LedgerWriter = openLedgerWriter(config.ledger)
  return {
    config,
    engine,
    stats,
    operations: new Operations(framework, config, ledger, stats, engine, built.db),
    async close() {
      await Promise.allSettled([ledger.close(), built.close()])
    },
  }
}
