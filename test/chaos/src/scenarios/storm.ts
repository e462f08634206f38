/**
 * Scenario 1, duplicate storm: every logical operation is sent as N concurrent duplicates spread over
 * the workers (some abandoned by a client-side timeout and retried at once, the way a mobile client
 * does), then retried once more after an answer arrived. Duplicates are counted from the ledger.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { forEachConcurrent, isProblem, isReplay, isSuccess, keepAliveRaces, send, type Answer, type Attempt } from '../http-client.js'
import { duplicatesIn, openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerFor, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Mounted, type Worker } from '../workers.js'

/** Tallies of one storm. */
interface Tally {
  requests: number
  conflicts: number
  /** 2xx answers whose status, content type or body bytes differ from the op's first answer. */
  notIdentical: number
  /** Anything but 2xx or a 409 `in_flight` problem. */
  unexpected: number
  /** Client-side timeouts of requests that were NOT meant to time out. */
  noAnswer: number
  /** Ops that never got a 2xx. */
  unresolved: number
  /** More than one non-replayed 2xx for one op (two executions answered). */
  doubleExecuted: number
  samples: string[]
}

/** Run the storm on `kind`. */
export async function duplicateStorm(context: ScenarioContext, kind: StoreKind): Promise<Row> {
  const { ops, duplicates, workers: workerCount, concurrency } = context.sizes.storm
  const target = await openTarget(kind, context.servers)
  const ledgerConfig = ledgerFor(kind)
  const ledger = await openLedgerReader(ledgerConfig)
  const site = await mount(context.pool.slice(0, workerCount), { store: target.config, ledger: ledgerConfig, cookieSecret: context.cookieSecret })
  const tally: Tally = { requests: 0, conflicts: 0, notIdentical: 0, unexpected: 0, noAnswer: 0, unresolved: 0, doubleExecuted: 0, samples: [] }
  const opIds: string[] = []
  const started = Date.now()
  const racesBefore = keepAliveRaces.count
  try {
    await forEachConcurrent(Array.from({ length: ops }, (_, i) => i), concurrency, async (index) => {
      const op = randomUUID()
      opIds.push(op)
      await oneOperation(site, op, index, duplicates, tally)
    })
    const elapsed = Date.now() - started
    const counts = await ledger.counts()
    const duplicatesExecuted = duplicatesIn(counts)
    const neverExecuted = opIds.filter((op) => (counts.get(op) ?? 0) === 0).length
    const crashed = site.workers.filter((worker) => worker.crashed).length
    context.log(`storm ${kind}: ${n(tally.requests)} requests in ${(elapsed / 1000).toFixed(1)} s; ${n(tally.conflicts)} answered 409`)
    for (const sample of tally.samples) context.log(`  sample: ${sample}`)
    return {
      scenario: '1. Duplicate storm',
      store: STORE_LABEL[kind],
      figure:
        `duplicates executed **${duplicatesExecuted}** (${n(ops)} ops × ${duplicates} concurrent sends over ${workerCount} workers, ${n(tally.requests)} requests); ` +
        `answers not byte-identical to the first: ${tally.notIdentical}; other than 2xx/409: ${tally.unexpected}; 409s: ${n(tally.conflicts)}; keep-alive resets resent: ${keepAliveRaces.count - racesBefore}`,
      checks: [
        { name: 'duplicates executed', value: duplicatesExecuted, max: 0 },
        { name: 'ops never executed', value: neverExecuted, max: 0 },
        { name: 'answers not byte-identical', value: tally.notIdentical, max: 0 },
        { name: 'double-executed answers', value: tally.doubleExecuted, max: 0 },
        { name: 'unexpected answers', value: tally.unexpected, max: 0 },
        { name: 'requests without an answer', value: tally.noAnswer, max: 0 },
        { name: 'unresolved ops', value: tally.unresolved, max: 0 },
        { name: 'crashed workers', value: crashed, max: 0 },
      ],
    }
  } finally {
    await site.unmount()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}

async function oneOperation(site: Mounted, op: string, index: number, duplicates: number, tally: Tally): Promise<void> {
  const key = `storm-${op}`
  const workers = site.workers
  const body = JSON.stringify({ amount: (index % 97) + 1, currency: 'EUR', note: `op ${index}` })
  const request = (worker: Worker, timeoutMs: number) =>
    send(worker.url, { path: site.path(op), headers: { 'content-type': 'application/json', 'idempotency-key': key, [CONTROL.op]: op }, body, timeoutMs })
  const answers: Answer[] = []
  const settle = (attempt: Attempt, expectAnswer: boolean) => {
    tally.requests++
    if (attempt.kind === 'answer') answers.push(attempt)
    else if (expectAnswer) {
      tally.noAnswer++
      if (tally.samples.length < 5) tally.samples.push(`no answer: ${attempt.message}`)
    }
  }
  // N concurrent duplicates; every fourth one is abandoned by the client after a few ms and resent.
  await Promise.all(
    Array.from({ length: duplicates }, async (_, i) => {
      const worker = workers[(index + i) % workers.length] as Worker
      if (i % 4 === 3) {
        settle(await request(worker, 2 + (index % 20)), false)
        settle(await request(workers[(index + i + 1) % workers.length] as Worker, 30_000), true)
      } else {
        settle(await request(worker, 30_000), true)
      }
    }),
  )
  // The retry after an answer arrived (the app resends on reconnect): must be a replay.
  for (let attempt = 0; attempt < 40; attempt++) {
    const answer = await request(workers[(index + attempt) % workers.length] as Worker, 30_000)
    settle(answer, true)
    if (isSuccess(answer)) break
    await sleep(50 + attempt * 25)
  }
  classify(answers, tally)
}

function classify(answers: Answer[], tally: Tally): void {
  const successes = answers.filter(isSuccess)
  const executed = successes.filter((answer) => !isReplay(answer))
  if (successes.length === 0) tally.unresolved++
  if (executed.length > 1) tally.doubleExecuted++
  const first = executed[0] ?? successes[0]
  for (const answer of answers) {
    if (isSuccess(answer)) {
      if (first !== undefined && !sameResponse(first, answer)) {
        tally.notIdentical++
        if (tally.samples.length < 5) tally.samples.push(`not identical: ${first.body.toString()} vs ${answer.body.toString()}`)
      }
    } else if (answer.status === 409 && isProblem(answer, 'in_flight')) {
      tally.conflicts++
    } else {
      tally.unexpected++
      if (tally.samples.length < 5) tally.samples.push(`unexpected ${answer.status}: ${answer.body.toString().slice(0, 200)}`)
    }
  }
}

function sameResponse(a: Answer, b: Answer): boolean {
  return a.status === b.status && a.headers['content-type'] === b.headers['content-type'] && a.body.equals(b.body)
}
