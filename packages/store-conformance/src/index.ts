/**
 * `@idemkit/store-conformance`: the published conformance suite every idemkit store passes.
 * Run it against your own `IdempotencyStore` with vitest:
 *
 * ```ts
 * // my-store.test.ts
 * import { runStoreConformance } from '@idemkit/store-conformance'
 * import { MyStore } from '../src/my-store.js'
 *
 * runStoreConformance({ name: 'my-store', createStore: () => new MyStore() })
 * ```
 *
 * The suite drives time itself (it passes `now` and deadlines; it never sleeps for expiry), uses
 * keys unique to each run, and covers: claiming, what losers see, N-way races, expiry and lease
 * takeover, fencing of `complete`/`release`/`extend`, exact result round trips (Unicode, control
 * characters, NUL, multi-megabyte) and awkward keys.
 *
 * @packageDocumentation
 */
import type { IdempotencyStore } from '@idemkit/core'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { claimCases } from './cases/claim.js'
import { expiryCases } from './cases/expiry.js'
import { fencingCases } from './cases/fencing.js'
import { keyCases } from './cases/keys.js'
import { raceCases } from './cases/race.js'
import { resultCases } from './cases/results.js'
import type { CaseContext, ConformanceCase } from './context.js'

export type { CaseContext, ConformanceCase } from './context.js'

/** Options of {@link runStoreConformance}. */
export interface StoreConformanceOptions<S extends IdempotencyStore = IdempotencyStore> {
  /** Name shown in the test report, e.g. `'redis'`. */
  name: string
  /** Builds the store under test (once for the suite). */
  createStore: () => S | Promise<S>
  /** Called once after the suite, e.g. to close connections or drop tables. */
  cleanup?: (store: S) => void | Promise<void>
  /** Names of cases to skip (see {@link conformanceCaseNames}); say why in your test file. */
  skip?: readonly string[]
  /** Prefix of every storage key the suite writes. Default: a random one per run. */
  keyPrefix?: string
}

/** Every conformance case, in the order they run. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...claimCases,
  ...raceCases,
  ...expiryCases,
  ...fencingCases,
  ...resultCases,
  ...keyCases,
]

/** The names of every case, for `skip`. */
export const conformanceCaseNames: readonly string[] = conformanceCases.map((entry) => entry.name)

/**
 * Register the conformance suite for a store with vitest (call it at the top level of a test file).
 *
 * @example
 * ```ts
 * import { runStoreConformance } from '@idemkit/store-conformance'
 * import { MemoryStore } from '@idemkit/core'
 *
 * runStoreConformance({ name: 'memory', createStore: () => new MemoryStore() })
 * ```
 */
export function runStoreConformance<S extends IdempotencyStore>(options: StoreConformanceOptions<S>): void {
  const unknown = (options.skip ?? []).filter((name) => !conformanceCaseNames.includes(name))
  if (unknown.length > 0) throw new Error(`runStoreConformance: unknown case names in skip: ${unknown.join(', ')}`)
  const prefix = options.keyPrefix ?? `conformance:${randomId()}`
  let store: S | undefined
  let counter = 0

  describe(`store conformance: ${options.name}`, () => {
    beforeAll(async () => {
      store = await options.createStore()
    })
    afterAll(async () => {
      if (store !== undefined) await options.cleanup?.(store)
    })

    for (const entry of conformanceCases) {
      const register = options.skip?.includes(entry.name) ? test.skip : test
      register(
        entry.name,
        async () => {
          if (store === undefined) throw new Error('runStoreConformance: createStore did not produce a store')
          const caseId = ++counter
          const context: CaseContext = {
            store,
            key: (suffix = 'k') => `${prefix}:${caseId}:${suffix}`,
            token: randomId,
            t0: Date.now(),
          }
          await entry.run(context)
        },
        entry.timeout ?? 15_000,
      )
    }
  })
}

function randomId(): string {
  return crypto.randomUUID()
}
