/**
 * The whole chaos run: check the required servers, start the ones we own (Redis Cluster, dynalite),
 * run the scenarios in order, and always tear down what was started.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Row, ScenarioContext } from './scenario.js'
import { crashMidHandler } from './scenarios/crash.js'
import { fencing } from './scenarios/fencing.js'
import { hostileInput } from './scenarios/hostile-input.js'
import { storeOutage } from './scenarios/outage.js'
import { slowStore } from './scenarios/slow-store.js'
import { soak } from './scenarios/soak.js'
import { duplicateStorm } from './scenarios/storm.js'
import { tenantIsolation } from './scenarios/tenants.js'
import { requirePostgres, requireRedis, startDynalite, startRedisCluster } from './servers.js'
import type { Sizes } from './sizes.js'
import type { Servers } from './targets.js'
import { startWorkers, stopWorkers, type Worker } from './workers.js'

/** One named step of the run. */
export interface Step {
  name: string
  run(context: ScenarioContext): Promise<Row>
}

/** Every step, in report order. */
export function steps(sizes: Sizes): Step[] {
  const all: Step[] = [
    { name: 'storm-postgres', run: (c) => duplicateStorm(c, 'postgres') },
    { name: 'storm-redis', run: (c) => duplicateStorm(c, 'redis') },
    { name: 'storm-redis-cluster', run: (c) => duplicateStorm(c, 'redis-cluster') },
    { name: 'storm-dynamodb', run: (c) => duplicateStorm(c, 'dynamodb') },
    { name: 'crash-postgres-tx', run: (c) => crashMidHandler(c, 'postgres', true) },
    { name: 'crash-postgres', run: (c) => crashMidHandler(c, 'postgres', false) },
    { name: 'crash-redis', run: (c) => crashMidHandler(c, 'redis', false) },
    { name: 'fencing-postgres', run: (c) => fencing(c, 'postgres') },
    { name: 'fencing-redis', run: (c) => fencing(c, 'redis') },
    { name: 'outage-postgres', run: (c) => storeOutage(c, 'postgres') },
    { name: 'outage-redis', run: (c) => storeOutage(c, 'redis') },
    { name: 'slow-postgres', run: (c) => slowStore(c, 'postgres') },
    { name: 'slow-redis', run: (c) => slowStore(c, 'redis') },
    { name: 'hostile', run: (c) => hostileInput(c) },
    { name: 'tenants-postgres', run: (c) => tenantIsolation(c, 'postgres') },
    { name: 'tenants-redis', run: (c) => tenantIsolation(c, 'redis') },
    { name: 'tenants-redis-cluster', run: (c) => tenantIsolation(c, 'redis-cluster') },
    { name: 'tenants-dynamodb', run: (c) => tenantIsolation(c, 'dynamodb') },
    { name: 'soak', run: (c) => soak(c) },
  ]
  return sizes.soak.ms > 0 ? all : all.filter((step) => !step.name.startsWith('soak'))
}

/** A prepared run: servers up, workers started; `close()` tears everything down. */
export interface PreparedRun {
  context: ScenarioContext
  close(): Promise<void>
}

/**
 * Check the required servers, start the ones `selected` needs (Redis Cluster, dynalite) and the
 * shared worker pool. On failure, whatever was started is stopped again.
 */
export async function prepareRun(sizes: Sizes, selected: readonly Step[], log: (line: string) => void): Promise<PreparedRun> {
  await requirePostgres()
  await requireRedis()
  const servers: Servers = {}
  let pool: Worker[] = []
  const close = async () => {
    await stopWorkers(pool)
    await servers.dynalite?.stop()
    await servers.cluster?.stop()
  }
  try {
    if (selected.some((step) => step.name.includes('cluster'))) servers.cluster = await startRedisCluster()
    if (selected.some((step) => step.name.includes('dynamodb'))) servers.dynalite = await startDynalite()
    pool = await startWorkers(['express', 'hono', 'express', 'hono'])
  } catch (error) {
    await close()
    throw error
  }
  return { context: { sizes, servers, pool, cookieSecret: randomBytes(12).toString('hex'), log }, close }
}

/** The steps whose names start with one of `only` (all when empty). */
export function select(sizes: Sizes, only?: readonly string[]): Step[] {
  return steps(sizes).filter((step) => only === undefined || only.length === 0 || only.some((name) => step.name.startsWith(name)))
}

/** Run the `only` steps (all when empty) and return their rows. */
export async function runSuite(
  sizes: Sizes,
  options: { only?: string[]; log?: (line: string) => void; onRow?: (step: string, row: Row) => Promise<void> } = {},
): Promise<Row[]> {
  const log = options.log ?? ((line: string) => console.log(line))
  const selected = select(sizes, options.only)
  const run = await prepareRun(sizes, selected, log)
  const rows: Row[] = []
  try {
    for (const step of selected) {
      const started = Date.now()
      log(`▶ ${step.name}`)
      const row = await step.run(run.context)
      log(`  ${row.store}: ${row.figure} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
      rows.push(row)
      await options.onRow?.(step.name, row)
    }
  } finally {
    await run.close()
  }
  return rows
}
