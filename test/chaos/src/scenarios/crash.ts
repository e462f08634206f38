/**
 * Scenario 2, crash mid-handler: a worker is SIGKILLed while N operations are inside their handlers
 * (half before their side effect, half after it but before the result is stored). Clients then retry
 * against the survivors until they get an answer. Every execution is a row in the PostgreSQL ledger
 * with its commit time, so "did the side effect commit before the crash" is read from the data.
 *
 * Variants: a plain handler (the record is completed after the handler, so an effect that committed
 * before the crash is executed once more after the lease: at most once PER LEASE), and
 * `runInTransaction` of store-postgres (ledger row and completion commit together: exactly one row).
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isSuccess, send } from '../http-client.js'
import { ledgerConfig, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { CONTROL } from '../worker/config.js'
import { mount, Worker } from '../workers.js'

const LEASE_MS = 2_000
const HANDLER_SLEEP_MS = 90_000

/** Run the crash scenario on `kind`, with the plain route or the transactional one. */
export async function crashMidHandler(context: ScenarioContext, kind: StoreKind, transactional: boolean): Promise<Row> {
  // A transaction holds a connection while its handler sleeps, and the shared server allows 100
  // clients in all: the transactional variant kills fewer operations (sizes.crash.transactionalOps).
  const ops = transactional ? context.sizes.crash.transactionalOps : context.sizes.crash.ops
  const target = await openTarget(kind, context.servers)
  const ledgerSettings = ledgerConfig('postgres')
  const ledger = await openLedgerReader(ledgerSettings)
  const base = { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret, lease: LEASE_MS, postgresPool: 3 }
  // The victim is a worker of its own (it dies); the survivors are the shared pool's first two.
  const victim = await Worker.start(transactional ? 'express' : 'hono')
  const survivors = context.pool.slice(0, 2)
  const victimSite = await mount([victim], { ...base, postgresPool: transactional ? ops + 4 : 5 }).catch(async (error: unknown) => {
    await victim.kill()
    throw error
  })
  // Same name, same store namespace and ledger: the survivors serve the victim's keys.
  const site = await mount(survivors, base, victimSite.name)
  const route = transactional ? 'tx-ops' : 'ops'
  try {
    const operations = Array.from({ length: ops }, (_, i) => ({ op: randomUUID(), effectFirst: i % 2 === 1 }))
    // `sleepMs` only for the first sends: a retry runs the handler without sleeping.
    const request = (worker: Worker, op: string, effectFirst: boolean, timeoutMs: number, sleepMs = 0) =>
      send(worker.url, {
        path: site.path(op, route),
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `crash-${op}`,
          [CONTROL.op]: op,
          // Half sleep before the side effect (it has not happened at the crash), half after it.
          [effectFirst ? CONTROL.delayAfter : CONTROL.delayBefore]: String(sleepMs),
        },
        body: JSON.stringify({ amount: 42 }),
        timeoutMs,
      })
    const inFlight = operations.map(({ op, effectFirst }) => request(victim, op, effectFirst, 120_000, HANDLER_SLEEP_MS))
    // Wait until every operation is inside its handler and the effect-first half has written.
    const deadline = Date.now() + 60_000
    while ((await victim.stats(victimSite.name)).inside < ops || (await ledger.counts()).size < ops / 2 - (transactional ? ops / 2 : 0)) {
      if (Date.now() > deadline) throw new Error('chaos crash: operations never all reached the handler')
      await sleep(50)
    }
    // runInTransaction counts itself inside before its claim: give the last claims time to land.
    if (transactional) await sleep(500)
    const killedAt = Date.now()
    await victim.kill()
    const cut = await Promise.all(inFlight)
    const answeredBeforeKill = cut.filter((attempt) => attempt.kind === 'answer').length

    // Clients retry (after their connection broke) against the survivors until answered.
    let unresolved = 0
    let conflicts = 0
    await Promise.all(
      operations.map(async ({ op, effectFirst }, i) => {
        const giveUp = killedAt + LEASE_MS + 20_000
        for (let attempt = 0; Date.now() < giveUp; attempt++) {
          const answer = await request(survivors[(i + attempt) % survivors.length] as Worker, op, effectFirst, 10_000)
          if (isSuccess(answer)) return
          if (answer.kind === 'answer' && answer.status === 409) conflicts++
          await sleep(250)
        }
        unresolved++
      }),
    )
    const rows = (await ledger.rows?.()) ?? []
    const byOp = new Map<string, Date[]>()
    for (const row of rows) byOp.set(row.op, [...(byOp.get(row.op) ?? []), row.at])
    let committedBeforeKill = 0
    let executedAgainAfterCommit = 0
    let uncommittedExecutedOnce = 0
    let violations = 0
    for (const { op } of operations) {
      const times = byOp.get(op) ?? []
      const committed = times.some((at) => at.getTime() < killedAt)
      if (committed) committedBeforeKill++
      // Allowed: one row, or (plain handler only) two rows when the first committed before the crash.
      const allowed = !transactional && committed ? 2 : 1
      if (times.length === 0 || times.length > allowed) violations++
      if (committed && times.length === 2) executedAgainAfterCommit++
      if (!committed && times.length === 1) uncommittedExecutedOnce++
    }
    const notExactlyOne = operations.filter(({ op }) => (byOp.get(op)?.length ?? 0) !== 1).length
    context.log(`crash ${kind}${transactional ? ' tx' : ''}: killed with ${ops} inside, ${answeredBeforeKill} answered before, ${conflicts} 409s while the lease ran`)
    const figure = transactional
      ? `ops with ≠ 1 ledger row **${notExactlyOne}** of ${n(ops)} killed mid-handler (runInTransaction; ${committedBeforeKill} committed before the kill, the rest executed once after the ${LEASE_MS / 1000} s lease)`
      : `violations **${violations}** of ${n(ops)} killed mid-handler: uncommitted ones executed exactly once more ${uncommittedExecutedOnce}/${ops - committedBeforeKill}; ` +
        `committed-but-not-stored ones executed again ${executedAgainAfterCommit}/${committedBeforeKill} (the at-most-once-per-lease window)`
    return {
      scenario: '2. Crash mid-handler',
      store: transactional ? `${STORE_LABEL[kind]} + runInTransaction` : `${STORE_LABEL[kind]} (plain handler)`,
      figure,
      checks: [
        { name: transactional ? 'ops with ≠ 1 row' : 'ops executed beyond the lease rule', value: transactional ? notExactlyOne : violations, max: 0 },
        { name: 'ops unresolved after retries', value: unresolved, max: 0 },
        { name: 'answers before the kill', value: answeredBeforeKill, max: 0 },
      ],
    }
  } finally {
    await victim.kill()
    await site.unmount()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
