/**
 * Scenario 4, store outage: the fault proxy cuts the store (open connections reset, new ones
 * blackholed) for T seconds under load, then restores it. Workers use a 1 s `storeTimeout`.
 * Expected: fail closed (only 503 `store_unavailable` problems for requests inside the cut), no
 * duplicates, no request hanging beyond the bound, and success again within 2 s of the restore.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isProblem, isSuccess, send, type Attempt } from '../http-client.js'
import { duplicatesIn, openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerFor, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Worker } from '../workers.js'

const STORE_TIMEOUT_MS = 1_000
/** A request makes at most 3 sequential store calls (acquire, complete, release), each bounded. */
const HANG_LIMIT_MS = 3 * STORE_TIMEOUT_MS + 1_000
const WARM_MS = 2_000
const AFTER_MS = 5_000

/** Run the outage scenario on `kind` (PostgreSQL or Redis, behind the proxy). */
export async function storeOutage(context: ScenarioContext, kind: StoreKind): Promise<Row> {
  const { cutMs, clients } = context.sizes.outage
  const target = await openTarget(kind, context.servers, { proxied: true })
  const proxy = target.proxy
  if (proxy === undefined) throw new Error('chaos outage: the target has no proxy')
  const ledgerSettings = ledgerFor(kind)
  const ledger = await openLedgerReader(ledgerSettings)
  const base = { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret, storeTimeout: STORE_TIMEOUT_MS }
  const site = await mount(context.pool.slice(0, 2), base)
  const workers = site.workers
  const attempts: Attempt[] = []
  let unresolved = 0
  let stopping = false
  try {
    const client = async (lane: number) => {
      while (!stopping) {
        const op = randomUUID()
        let done = false
        for (let attempt = 0; !done && !stopping; attempt++) {
          const answer = await send((workers[(lane + attempt) % workers.length] as Worker).url, {
            path: site.path(op),
            headers: { 'content-type': 'application/json', 'idempotency-key': `outage-${op}`, [CONTROL.op]: op },
            body: JSON.stringify({ amount: lane }),
            timeoutMs: 20_000,
          })
          attempts.push(answer)
          done = isSuccess(answer)
          if (!done) await sleep(100)
        }
        if (!done) unresolved++
      }
    }
    const lanes = Array.from({ length: clients }, (_, lane) => client(lane))
    await sleep(WARM_MS)
    const cutAt = Date.now()
    proxy.cut()
    await sleep(cutMs)
    const restoredAt = Date.now()
    proxy.restore()
    await sleep(AFTER_MS)
    stopping = true
    await Promise.all(lanes)

    const inCut = attempts.filter((a) => a.startedAt >= cutAt && a.startedAt + a.ms <= restoredAt)
    const notFailClosed = inCut.filter((a) => !(a.kind === 'answer' && a.status === 503 && isProblem(a, 'store_unavailable'))).length
    const hanging = attempts.filter((a) => a.kind === 'timeout' || a.ms > HANG_LIMIT_MS).length
    const unexpected = attempts.filter((a) => a.kind !== 'answer' || ![201, 409, 503].includes(a.status)).length
    const afterRestore = attempts.filter((a) => a.startedAt >= restoredAt)
    const failuresAfter = afterRestore.filter((a) => !isSuccess(a) && !(a.kind === 'answer' && a.status === 409))
    const lastFailureStart = Math.max(restoredAt, ...failuresAfter.map((a) => a.startedAt))
    const firstSuccess = afterRestore.find(isSuccess)
    const recoveryMs = firstSuccess === undefined ? Number.POSITIVE_INFINITY : Math.max(lastFailureStart - restoredAt, firstSuccess.startedAt + firstSuccess.ms - restoredAt)
    const maxMs = Math.max(...attempts.map((a) => a.ms))
    if (failuresAfter.length > 0) {
      const last = failuresAfter.slice(-3).map((a) => `${a.kind === 'answer' ? a.status : a.kind} at +${a.startedAt - restoredAt} ms`)
      context.log(`  failures after restore: ${failuresAfter.length}, last: ${last.join(', ')}`)
    }
    const duplicates = duplicatesIn(await ledger.counts())
    context.log(`outage ${kind}: ${n(attempts.length)} requests, ${inCut.length} inside the cut, max latency ${maxMs} ms, ${unresolved} ops unresolved (in flight at the cut; their lease outlives the run)`)
    return {
      scenario: '4. Store outage',
      store: STORE_LABEL[kind],
      figure:
        `cut ${cutMs / 1000} s under load (${n(attempts.length)} requests, ${n(inCut.length)} inside the cut): non-503 answers during the cut **${notFailClosed}**, ` +
        `duplicates **${duplicates}**, hanging > ${HANG_LIMIT_MS / 1000} s **${hanging}** (slowest ${(maxMs / 1000).toFixed(2)} s, storeTimeout 1 s), ` +
        `recovered ${recoveryMs === Number.POSITIVE_INFINITY ? 'never' : `${(recoveryMs / 1000).toFixed(2)} s`} after restore`,
      checks: [
        { name: 'non-503 answers during the cut', value: notFailClosed, max: 0 },
        { name: 'requests inside the cut', value: inCut.length === 0 ? 1 : 0, max: 0 },
        { name: 'duplicates', value: duplicates, max: 0 },
        { name: 'hanging requests', value: hanging, max: 0 },
        { name: 'unexpected answers', value: unexpected, max: 0 },
        { name: 'recovery ms', value: recoveryMs, max: 2_000 },
      ],
    }
  } finally {
    stopping = true
    await site.unmount()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
