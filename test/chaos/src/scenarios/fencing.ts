/**
 * Scenario 3, fencing: forced lease takeovers. Workers run with a lease shorter than the handler and
 * the heartbeat off. Owner A starts; after A's lease lapsed, B (another worker, other framework)
 * takes the key over while A still runs; A finishes first and tries to store its answer; then B
 * does. A replay afterwards must return B's answer (A overwrote nothing), and the engine must have
 * raised `lease_lost` (the `onLeaseLost` hook) once per takeover.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { forEachConcurrent, isReplay, isSuccess, send, type Answer } from '../http-client.js'
import { duplicatesIn, openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerFor, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Worker } from '../workers.js'

const LEASE_MS = 300
/** A handler outlives its lease by far. */
const HANDLER_MS = 1_000
/** B is sent once A's lease has surely lapsed, while A is still in its handler. */
const TAKEOVER_AFTER_MS = 450

/** Run the fencing scenario on `kind`. */
export async function fencing(context: ScenarioContext, kind: StoreKind): Promise<Row> {
  const { takeovers: wanted, concurrency } = context.sizes.fencing
  const target = await openTarget(kind, context.servers)
  const ledgerSettings = ledgerFor(kind)
  const ledger = await openLedgerReader(ledgerSettings)
  const base = { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret, lease: LEASE_MS, heartbeat: false }
  const site = await mount(context.pool.slice(0, 2), base)
  const [first, second] = site.workers as [Worker, Worker]
  let takeovers = 0
  let overwrites = 0
  let notTakenOver = 0
  let staleAnswers = 0
  const samples: string[] = []
  try {
    const before = (await site.stats()).leaseLost
    // Attempts are bounded: a pair where B could not take over (A's claim was late under load) is
    // not a takeover and is retried with a new key, at most 2× the wanted count.
    const attempts = Array.from({ length: wanted * 2 }, (_, i) => i)
    await forEachConcurrent(attempts, concurrency, async () => {
      if (takeovers >= wanted) return
      const op = randomUUID()
      const request = (worker: Worker, delayAfter: number) =>
        send(worker.url, {
          path: site.path(op),
          headers: { 'content-type': 'application/json', 'idempotency-key': `fence-${op}`, [CONTROL.op]: op, [CONTROL.delayAfter]: String(delayAfter) },
          body: JSON.stringify({ amount: 7 }),
          timeoutMs: 30_000,
        })
      const owner = request(first, HANDLER_MS)
      await sleep(TAKEOVER_AFTER_MS)
      const taker = await request(second, HANDLER_MS)
      const stale = await owner
      if (!isSuccess(taker) || isReplay(taker) || stale.kind !== 'answer' || (isSuccess(stale) && isReplay(stale))) {
        notTakenOver++
        return
      }
      takeovers++
      if (stale.status !== 201) staleAnswers++
      const replay = await request(first, 0)
      if (!isSuccess(replay) || !isReplay(replay) || !replay.body.equals((taker as Answer).body)) {
        overwrites++
        if (samples.length < 3) samples.push(`replay ${replay.kind === 'answer' ? `${replay.status} ${replay.body.toString()}` : replay.message} vs taker ${taker.body.toString()}`)
      }
    })
    const after = (await site.stats()).leaseLost
    const leaseLost = after - before
    const counts = await ledger.counts()
    for (const sample of samples) context.log(`  sample: ${sample}`)
    context.log(`fencing ${kind}: ${takeovers} takeovers, ${notTakenOver} pairs not taken over, stale owners answered non-201 ${staleAnswers} times, ${duplicatesIn(counts)} second executions (one per takeover)`)
    return {
      scenario: '3. Fencing',
      store: STORE_LABEL[kind],
      figure: `overwrites **${overwrites}** of ${n(takeovers)} forced takeovers (lease ${LEASE_MS} ms, handler ${HANDLER_MS} ms, heartbeat off); lease_lost raised ${n(leaseLost)} times`,
      checks: [
        { name: 'overwrites', value: overwrites, max: 0 },
        { name: 'takeovers missing', value: Math.max(0, wanted - takeovers), max: 0 },
        { name: 'takeovers without lease_lost', value: Math.abs(takeovers - leaseLost), max: 0 },
      ],
    }
  } finally {
    await site.unmount()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
