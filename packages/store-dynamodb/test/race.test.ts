/**
 * Cross-process race: 4 processes × 1,000 keys × 8 concurrent duplicates each, all against ONE
 * dynalite server process.
 *
 * It is ~64,000 HTTP requests (every duplicate on dynalite costs a PutItem and the fallback
 * GetItem), so it is CPU-bound: 501 s measured on a 2-core machine at load average ~20.
 * `RACE_KEYS=100` runs a smaller version of the same race for quick local checks. Every key must be executed exactly once in
 * total, and every replay must return that one execution's value.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RaceOrder, RaceReport } from './fixtures/race-worker.js'
import { openFixture, type StoreFixture } from './support/fixture.js'

const PROCESSES = 4
const KEYS = Number(process.env.RACE_KEYS ?? 1_000)
const DUPLICATES = 8
const WORKER = fileURLToPath(new URL('./fixtures/race-worker.ts', import.meta.url))

let fixture: StoreFixture
const children: ChildProcess[] = []

beforeAll(async () => {
  fixture = await openFixture('race', { serverProcess: true })
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill()
  await fixture?.close()
})

test(`${PROCESSES} processes × ${KEYS} keys × ${DUPLICATES} concurrent duplicates: exactly one execution per key`, async () => {
  const workers = await Promise.all(Array.from({ length: PROCESSES }, () => startWorker()))
  const order: RaceOrder = {
    endpoint: fixture.server.endpoint,
    table: fixture.table,
    keyPrefix: `race:${crypto.randomUUID()}`,
    keys: KEYS,
    duplicates: DUPLICATES,
    window: 5,
  }
  const started = performance.now()
  // Every worker is connected and waiting: start them together so they contend for the same keys.
  const reports = await Promise.all(workers.map((worker) => worker.run(order)))
  const elapsedMs = performance.now() - started

  const errors = reports.flatMap((report) => report.errors)
  expect(errors.slice(0, 5)).toEqual([])
  const executed = new Map<string, string[]>()
  for (const [key, value] of reports.flatMap((report) => report.executions)) executed.set(key, [...(executed.get(key) ?? []), value])
  const counts = [...executed.values()].map((values) => values.length)
  expect(executed.size).toBe(KEYS)
  expect(counts.filter((count) => count !== 1)).toEqual([])
  // A replay returns THE execution's value, byte for byte, in whichever process it ran.
  const wrongReplays = reports.flatMap((report) => report.replays).filter(([key, value]) => executed.get(key)?.[0] !== value)
  expect(wrongReplays).toEqual([])
  const replays = reports.reduce((sum, report) => sum + report.replays.length, 0)
  const inFlight = reports.reduce((sum, report) => sum + report.inFlight, 0)
  expect(KEYS + replays + inFlight).toBe(PROCESSES * KEYS * DUPLICATES)

  const requests = reports.reduce(
    (sum, report) => ({
      total: sum.total + report.requests.total,
      PutItem: sum.PutItem + report.requests.PutItem,
      GetItem: sum.GetItem + report.requests.GetItem,
      UpdateItem: sum.UpdateItem + report.requests.UpdateItem,
    }),
    { total: 0, PutItem: 0, GetItem: 0, UpdateItem: 0 },
  )
  // Each run() claims once; only the winner completes; each loser reads once (dynalite's fallback).
  expect(requests.PutItem).toBe(PROCESSES * KEYS * DUPLICATES)
  expect(requests.UpdateItem).toBe(KEYS)
  expect(requests.GetItem).toBe(PROCESSES * KEYS * DUPLICATES - KEYS)
  console.info(
    `race: ${PROCESSES * KEYS * DUPLICATES} run() calls in ${(elapsedMs / 1000).toFixed(1)} s ` +
      `(${Math.round((PROCESSES * KEYS * DUPLICATES) / (elapsedMs / 1000))} calls/s): ${KEYS} executions, ${replays} replays, ` +
      `${inFlight} in-flight rejections; ${requests.total} requests (${requests.PutItem} PutItem, ${requests.GetItem} GetItem, ${requests.UpdateItem} UpdateItem)`,
  )
}, 1_200_000)

interface Worker {
  run(order: RaceOrder): Promise<RaceReport>
}

/** Fork a worker running TypeScript source, and wait until it is ready. */
function startWorker(): Promise<Worker> {
  const child = fork(WORKER, [], {
    execArgv: ['--conditions=@idemkit/source', '--import', 'tsx'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`race worker exited early with code ${code}`))
    child.once('exit', exited)
    child.once('message', (message: { kind: string }) => {
      if (message.kind !== 'ready') return reject(new Error(`race worker sent ${JSON.stringify(message)} before ready`))
      child.off('exit', exited)
      resolve({
        run: (order) =>
          new Promise((done, fail) => {
            child.once('exit', (code) => fail(new Error(`race worker exited with code ${code} before reporting`)))
            child.once('message', (reply: { kind: string; report?: RaceReport; error?: string }) => {
              if (reply.kind === 'report' && reply.report !== undefined) done(reply.report)
              else fail(new Error(`race worker failed: ${reply.error}`))
            })
            child.send(order)
          }),
      })
    })
  })
}
