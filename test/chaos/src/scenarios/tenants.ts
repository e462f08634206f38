/**
 * Scenario 7, tenant isolation: two tenants (scope = the tenant behind the bearer token) reuse the
 * same idempotency keys with different bodies, concurrently, on different workers and frameworks,
 * then retry. Nobody may receive the other tenant's answer, and after the run nothing from
 * `Authorization`, `Cookie` or `Set-Cookie` (values or header names) may be found in the store's
 * bytes at rest.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { forEachConcurrent, isSuccess, send, type Attempt } from '../http-client.js'
import { duplicatesIn, openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerFor, openTarget, STORE_LABEL, type StoreKind } from '../targets.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Worker } from '../workers.js'

/** Run the tenant scenario on `kind`. */
export async function tenantIsolation(context: ScenarioContext, kind: StoreKind): Promise<Row> {
  const { keys } = context.sizes.tenants
  const secret = () => randomBytes(16).toString('hex')
  const tenants = [
    { id: 'tenant-a', token: `tok_${secret()}`, cookie: `sid_${secret()}`, amount: 100 },
    { id: 'tenant-b', token: `tok_${secret()}`, cookie: `sid_${secret()}`, amount: 200 },
  ]
  const target = await openTarget(kind, context.servers)
  const ledgerSettings = ledgerFor(kind)
  const ledger = await openLedgerReader(ledgerSettings)
  const base = { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret, tenants: Object.fromEntries(tenants.map((t) => [t.token, t.id])) }
  const site = await mount(context.pool.slice(0, 2), base)
  const workers = site.workers
  let crossReplays = 0
  let notAnswered = 0
  let mismatches = 0
  try {
    await forEachConcurrent(Array.from({ length: keys }, (_, i) => i), 16, async (i) => {
      const key = `shared-key-${i}`
      await Promise.all(
        tenants.map(async (tenant, t) => {
          const request = (worker: Worker) =>
            send(worker.url, {
              path: site.path(String(i)),
              headers: {
                'content-type': 'application/json',
                'idempotency-key': key,
                authorization: `Bearer ${tenant.token}`,
                cookie: `session=${tenant.cookie}`,
                [CONTROL.op]: `${tenant.id}-${i}`,
              },
              body: JSON.stringify({ amount: tenant.amount + (i % 7) }),
              timeoutMs: 20_000,
            })
          // Each tenant: first send on one framework, retry on the other.
          for (const worker of [workers[(i + t) % 2], workers[(i + t + 1) % 2]] as Worker[]) {
            let answer: Attempt = await request(worker)
            for (let retry = 0; retry < 20 && answer.kind === 'answer' && answer.status === 409; retry++) {
              await new Promise((resolve) => setTimeout(resolve, 100))
              answer = await request(worker)
            }
            if (!isSuccess(answer)) {
              if (answer.kind === 'answer' && answer.status === 422) mismatches++
              else notAnswered++
              continue
            }
            const body = JSON.parse(answer.body.toString('utf8')) as { tenant: string; amount: number }
            if (body.tenant !== tenant.id || body.amount !== tenant.amount + (i % 7)) crossReplays++
          }
        }),
      )
    })
    const counts = await ledger.counts()
    const executedPerTenant = tenants.map((tenant) => [...counts.keys()].filter((op) => op.startsWith(tenant.id)).length)
    const dump = await target.dump()
    const forbidden = [...tenants.flatMap((t) => [t.token, t.cookie]), context.cookieSecret, 'authorization', 'set-cookie', 'cookie']
    const leaking = dump.filter((record) => forbidden.some((needle) => record.toLowerCase().includes(needle.toLowerCase())))
    if (leaking.length > 0) context.log(`  sample leak: ${leaking[0]?.slice(0, 400)}`)
    context.log(`tenants ${kind}: ${dump.length} records inspected, executions per tenant ${executedPerTenant.join('/')}`)
    return {
      scenario: '7. Tenant isolation',
      store: STORE_LABEL[kind],
      figure:
        `${n(keys)} keys shared by 2 tenants with different bodies: cross-tenant replays **${crossReplays}**, 422 collisions ${mismatches}; ` +
        `records holding Authorization/Cookie/Set-Cookie data **${leaking.length}** of ${n(dump.length)} inspected`,
      checks: [
        { name: 'cross-tenant replays', value: crossReplays, max: 0 },
        { name: 'cross-tenant 422 collisions', value: mismatches, max: 0 },
        { name: 'requests not answered 2xx', value: notAnswered, max: 0 },
        { name: 'records with secrets at rest', value: leaking.length, max: 0 },
        { name: 'records inspected (none would prove nothing)', value: dump.length === 0 ? 1 : 0, max: 0 },
        { name: 'duplicates', value: duplicatesIn(counts), max: 0 },
        { name: 'ops missing', value: 2 * keys - counts.size, max: 0 },
      ],
    }
  } finally {
    await site.unmount()
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
