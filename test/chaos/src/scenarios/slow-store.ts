/**
 * Scenario 5, slow store: +L ms on every store round trip (fault proxy). A new operation costs two
 * store calls (claim, complete), so its latency should rise by about 2 × L, not more; correctness
 * (no duplicates, byte-identical replays) must not change.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { forEachConcurrent, isReplay, isSuccess, percentile, send } from '../http-client.js'
import { duplicatesIn, openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerFor, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Worker } from '../workers.js'

/** Allowed extra on top of 2 × L for p99 (scheduling noise on a shared 2-core machine). */
const P99_SLACK_MS = 250

/** Run the slow-store scenario on `kind`. */
export async function slowStore(context: ScenarioContext, kind: StoreKind): Promise<Row> {
  const { ops, concurrency, latencyMs } = context.sizes.slow
  const target = await openTarget(kind, context.servers, { proxied: true })
  const proxy = target.proxy
  if (proxy === undefined) throw new Error('chaos slow store: the target has no proxy')
  const ledgerSettings = ledgerFor(kind)
  const ledger = await openLedgerReader(ledgerSettings)
  const base = { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret, storeTimeout: 5_000 }
  const site = await mount(context.pool.slice(0, 2), base)
  const workers = site.workers
  let broken = 0
  const phase = async (count: number): Promise<number[]> => {
    const latencies: number[] = []
    await forEachConcurrent(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
      const op = randomUUID()
      const request = (worker: Worker) =>
        send(worker.url, {
          path: site.path(op),
          headers: { 'content-type': 'application/json', 'idempotency-key': `slow-${op}`, [CONTROL.op]: op },
          body: JSON.stringify({ amount: i }),
          timeoutMs: 20_000,
        })
      const first = await request(workers[i % 2] as Worker)
      const replay = await request(workers[(i + 1) % 2] as Worker)
      if (!isSuccess(first) || isReplay(first) || !isSuccess(replay) || !isReplay(replay) || !replay.body.equals(first.body)) broken++
      latencies.push(first.ms)
    })
    return latencies
  }
  try {
    await phase(Math.min(40, ops)) // warm-up: connections opened, statements prepared
    const baseline = await phase(ops)
    proxy.setLatency(latencyMs)
    const slowed = await phase(ops)
    proxy.setLatency(0)
    const duplicates = duplicatesIn(await ledger.counts())
    const p50 = [percentile(baseline, 50), percentile(slowed, 50)]
    const p99 = [percentile(baseline, 99), percentile(slowed, 99)]
    const rise = (p99[1] as number) - (p99[0] as number)
    return {
      scenario: '5. Slow store',
      store: STORE_LABEL[kind],
      figure:
        `+${latencyMs} ms per store call: p99 ${p99[0]} → ${p99[1]} ms (**+${rise} ms**, expected ≈ 2 × ${latencyMs}), p50 ${p50[0]} → ${p50[1]} ms; ` +
        `duplicates ${duplicates}, broken replays ${broken} over ${n(ops * 2)} requests per phase`,
      checks: [
        { name: 'duplicates', value: duplicates, max: 0 },
        { name: 'broken replays', value: broken, max: 0 },
        { name: 'p99 rise ms', value: rise, max: 2 * latencyMs + P99_SLACK_MS },
      ],
    }
  } finally {
    await site.unmount()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
