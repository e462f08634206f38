/**
 * Scenario 3, fencing: forced lease takeovers. Workers run with a lease shorter than the handler and
 * the heartbeat off. Owner A starts; after A's lease lapsed, B (another worker, other framework)
 * takes the key over while A still runs; A finishes first and tries to store its answer; then B
 * does. The record read back from the store must hold B's answer (A overwrote nothing), and the
 * engine must have raised `lease_lost` (the `onLeaseLost` hook) once per takeover.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { storageKey } from '@idemkit/core'
import { decodeStoredResponse } from '@idemkit/core/http'
import { forEachConcurrent, isReplay, isSuccess, send, type Answer, type Attempt } from '../http-client.js'
import { openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerConfig, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { buildStore } from '../worker/store.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Worker } from '../workers.js'

const LEASE_MS = 300
/** A handler outlives its lease by far. */
const HANDLER_MS = 1_000
/** B is sent this long after A's side effect is visible: A's lease has lapsed, A is still in its handler. */
const TAKEOVER_AFTER_MS = 350

/** Run the fencing scenario on `kind`. */
export async function fencing(context: ScenarioContext, kind: StoreKind): Promise<Row> {
  const { takeovers: wanted, concurrency } = context.sizes.fencing
  const target = await openTarget(kind, context.servers)
  // The PostgreSQL ledger: its commit times tell which execution came last (the new owner).
  const ledgerSettings = ledgerConfig('postgres')
  const ledger = await openLedgerReader(ledgerSettings)
  const base = { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret, lease: LEASE_MS, heartbeat: false }
  const site = await mount(context.pool.slice(0, 2), base)
  const [first, second] = site.workers as [Worker, Worker]
  // The orchestrator reads the stored record itself: what is AT REST decides "overwritten", not a
  // replay request (which, heartbeat off, could itself take over a lapsed lease).
  const inspector = buildStore(target.config, 5_000)
  const storedExec = new Map<string, string>()
  /** The new owner's (B's) execution id, from its own answer. */
  const takerExec = new Map<string, string>()
  let incomplete = 0
  const samples: string[] = []
  try {
    const before = (await site.stats()).leaseLost
    let takeovers = 0
    // Attempts are bounded: a pair where B could not take over (A's claim was late under load, so
    // B was first) is not a takeover; pairs are sent until enough took over, at most 3× the count.
    const attempts = Array.from({ length: wanted * 3 }, (_, i) => i)
    await forEachConcurrent(attempts, concurrency, async () => {
      if (takeovers >= wanted) return
      const op = randomUUID()
      const key = `fence-${op}`
      const request = (worker: Worker) =>
        send(worker.url, {
          path: site.path(op),
          headers: { 'content-type': 'application/json', 'idempotency-key': key, [CONTROL.op]: op, [CONTROL.delayAfter]: String(HANDLER_MS) },
          body: JSON.stringify({ amount: 7 }),
          timeoutMs: 30_000,
        })
      const owner = request(first)
      // B goes out only once A has certainly claimed (its side effect, right after the claim, is in
      // the ledger) and its lease has lapsed: so B is the later claimer, whatever the load.
      const claimDeadline = Date.now() + 20_000
      while (!(await ledger.executed?.(op)) && Date.now() < claimDeadline) await sleep(25)
      await sleep(TAKEOVER_AFTER_MS)
      const taker = await request(second)
      const stale = await owner
      const executed = (a: Attempt) => isSuccess(a) && !isReplay(a)
      if (!executed(taker) || stale.kind !== 'answer' || (isSuccess(stale) && isReplay(stale))) return
      if (executed(stale)) takeovers++
      takerExec.set(op, (JSON.parse((taker as Answer).body.toString('utf8')) as { exec: string }).exec)
      // Wait for the last completion to land, then read what is stored.
      const deadline = Date.now() + 10_000
      for (;;) {
        const record = await inspector.store.get(storageKey(key))
        if (record?.status === 'completed' && record.result !== undefined) {
          const stored = decodeStoredResponse(record.result)
          const body = stored.kind === 'response' ? Buffer.from(stored.response.body).toString('utf8') : '{}'
          storedExec.set(op, (JSON.parse(body) as { exec?: string }).exec ?? 'none')
          return
        }
        if (Date.now() > deadline) {
          incomplete++
          return
        }
        await sleep(50)
      }
    })
    const leaseLost = (await site.stats()).leaseLost - before
    // Takeovers from the data: operations executed twice. The new owner is the one that took the key
    // over (B), whose answer carries its execution id; that is what must be at rest.
    const counts = await ledger.counts()
    let taken = 0
    let overwrites = 0
    let unexplained = 0
    for (const [op, executions] of counts) {
      if (executions < 2) continue
      const newOwner = takerExec.get(op)
      if (newOwner === undefined || executions > 2) {
        unexplained++
        continue
      }
      taken++
      if (storedExec.get(op) !== newOwner) {
        overwrites++
        if (samples.length < 3) samples.push(`op ${op}: stored exec ${storedExec.get(op) ?? 'nothing'}, new owner ${newOwner}`)
      }
    }
    for (const sample of samples) context.log(`  sample: ${sample}`)
    context.log(`fencing ${kind}: ${taken} takeovers (2 executions each), records not completed in time ${incomplete}, double executions without a takeover ${unexplained}`)
    return {
      scenario: '3. Fencing',
      store: STORE_LABEL[kind],
      figure: `overwrites **${overwrites}** of ${n(taken)} forced takeovers (lease ${LEASE_MS} ms, handler ${HANDLER_MS} ms, heartbeat off; record read back from the store); lease_lost raised ${n(leaseLost)} times`,
      checks: [
        { name: 'overwrites', value: overwrites, max: 0 },
        { name: 'takeovers missing', value: Math.max(0, wanted - taken), max: 0 },
        { name: 'takeovers without lease_lost', value: Math.abs(taken - leaseLost), max: 0 },
        { name: 'records never completed', value: incomplete, max: 0 },
        { name: 'double executions without a takeover', value: unexplained, max: 0 },
      ],
    }
  } finally {
    await site.unmount()
    await inspector.close()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
