/**
 * Scenario 8, soak (full size only): minutes of mixed traffic (new operations with concurrent
 * duplicates, replays, key reuse with another body, invalid keys) against Redis, PostgreSQL and the
 * in-process MemoryStore at once, on the shared Express and Hono workers. Worker heap is sampled
 * after a forced GC; it must stay flat, and the ledgers must show no duplicate.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isSuccess, send, type Attempt } from '../http-client.js'
import { duplicatesIn, openLedgerReader } from '../ledger.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerConfig, openTarget, type StoreTarget } from '../targets.js'
import { CONTROL } from '../worker/config.js'
import { mount, type Mounted, type Worker } from '../workers.js'

const SAMPLE_EVERY_MS = 30_000
/** Heap growth per worker (last samples vs. the second minute) that still counts as flat. */
const FLAT_LIMIT_MB = 16

/** Run the soak; one row for all of it. */
export async function soak(context: ScenarioContext): Promise<Row> {
  const { ms, rate } = context.sizes.soak
  const redis = await openTarget('redis', context.servers)
  const postgres = await openTarget('postgres', context.servers)
  const ledgers = { redis: ledgerConfig('redis'), postgres: ledgerConfig('postgres'), memory: ledgerConfig('redis') }
  const readers = await Promise.all(Object.values(ledgers).map((config) => openLedgerReader(config)))
  const pool = context.pool
  const sites: Array<{ label: string; site: Mounted; sticky: boolean; target?: StoreTarget }> = [
    { label: 'redis', site: await mount(pool, { store: redis.config, ledger: ledgers.redis, cookieSecret: context.cookieSecret }), sticky: false, target: redis },
    { label: 'postgres', site: await mount(pool, { store: postgres.config, ledger: ledgers.postgres, cookieSecret: context.cookieSecret }), sticky: false, target: postgres },
    // One MemoryStore per worker: its operations stay on one worker (sticky), as with a single process.
    { label: 'memory', site: await mount(pool, { store: { kind: 'memory', maxEntries: 2_000 }, ledger: ledgers.memory, cookieSecret: context.cookieSecret }), sticky: true },
  ]
  const samples: number[][] = []
  let requests = 0
  let broken = 0
  let unexpected = 0
  const notes: string[] = []
  const sample = async () => samples.push((await Promise.all(pool.map((worker) => worker.stats()))).map((stats) => stats.heapUsed / 2 ** 20))
  try {
    await sample()
    const started = Date.now()
    let nextSample = started + SAMPLE_EVERY_MS
    const inFlight = new Set<Promise<void>>()
    for (let tick = 0; Date.now() - started < ms; tick++) {
      // ~3 requests per operation: pace operations to `rate` requests per second.
      const due = started + (tick * 3 * 1000) / rate
      if (due > Date.now()) await sleep(due - Date.now())
      if (inFlight.size < 200) {
        const task = operation(sites[tick % sites.length] as (typeof sites)[number], pool, tick, notes).then((result) => {
          requests += result.requests
          broken += result.broken
          unexpected += result.unexpected
        })
        inFlight.add(task)
        void task.finally(() => inFlight.delete(task))
      }
      if (Date.now() >= nextSample) {
        nextSample += SAMPLE_EVERY_MS
        await sample()
      }
    }
    await Promise.all(inFlight)
    await sample()
    const duplicates = (await Promise.all(readers.map(async (reader) => duplicatesIn(await reader.counts())))).reduce((a, b) => a + b, 0)
    // Flat: the mean of the last 3 samples vs. the mean of the samples of the second minute, per worker.
    const early = samples.slice(2, 5)
    const late = samples.slice(-3)
    const growth = pool.map((_, w) => mean(late.map((s) => s[w] as number)) - mean(early.map((s) => s[w] as number)))
    const worst = Math.max(...growth)
    for (const note of notes) context.log(`  sample: ${note}`)
    context.log(`soak: heap per worker (MB) by sample: ${samples.map((s) => s.map((v) => v.toFixed(1)).join('/')).join('  ')}`)
    return {
      scenario: '8. Soak',
      store: 'Redis + Postgres + MemoryStore (Express + Hono)',
      figure:
        `${Math.round(ms / 60_000)} min mixed traffic, ${n(requests)} requests: duplicates **${duplicates}**, broken replays ${broken}, unexpected answers ${unexpected}; ` +
        `worker heap growth after warm-up ${growth.map((g) => `${g >= 0 ? '+' : ''}${g.toFixed(1)}`).join(' / ')} MB (flat: ≤ ${FLAT_LIMIT_MB} MB)`,
      checks: [
        { name: 'duplicates', value: duplicates, max: 0 },
        { name: 'broken replays', value: broken, max: 0 },
        { name: 'unexpected answers', value: unexpected, max: 0 },
        { name: 'heap growth MB', value: Math.max(0, Math.round(worst)), max: FLAT_LIMIT_MB },
        { name: 'crashed workers', value: pool.filter((worker) => worker.crashed).length, max: 0 },
      ],
    }
  } finally {
    for (const { site } of sites) await site.unmount()
    for (const reader of readers) {
      await reader.drop()
      await reader.close()
    }
    await redis.close()
    await postgres.close()
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
}

/** One logical operation of the mix; returns its tallies. */
async function operation(
  entry: { site: Mounted; sticky: boolean },
  pool: Worker[],
  tick: number,
  notes: string[],
): Promise<{ requests: number; broken: number; unexpected: number }> {
  const describe = (a: Attempt) => (a.kind === 'answer' ? `${a.status} ${a.body.subarray(0, 160).toString()}` : `${a.kind}: ${a.message}`)
  const note = (what: string, a: Attempt) => {
    if (notes.length < 8) notes.push(`${what}: ${describe(a)}`)
  }
  const { site, sticky } = entry
  const op = randomUUID()
  const home = tick % pool.length
  const pick = (i: number) => pool[sticky ? home : (home + i) % pool.length] as Worker
  const kind = tick % 10
  const request = (worker: Worker, key: string, amount: number) =>
    send(worker.url, {
      path: site.path(op),
      headers: { 'content-type': 'application/json', 'idempotency-key': key, [CONTROL.op]: op },
      body: JSON.stringify({ amount }),
      timeoutMs: 30_000,
    })
  if (kind === 9) {
    // An invalid key: must be a 400 problem, nothing executed.
    const answer = await request(pick(0), `k${'-'.repeat(300)}${op}`, 1) // 300+ characters: too long
    const ok = answer.kind === 'answer' && answer.status === 400
    if (!ok) note('invalid key', answer)
    return { requests: 1, broken: 0, unexpected: ok ? 0 : 1 }
  }
  const key = `soak-${op}`
  const first = await Promise.all([request(pick(0), key, 5), request(pick(1), key, 5)])
  const odd = first.filter((a) => !isSuccess(a) && !(a.kind === 'answer' && a.status === 409))
  for (const a of odd) note('unexpected first answer', a)
  let unexpected = odd.length
  let replay = await request(pick(2), key, 5)
  for (let retry = 0; retry < 20 && replay.kind === 'answer' && replay.status === 409; retry++) {
    await sleep(100)
    replay = await request(pick(2), key, 5)
  }
  const executed = first.find((a) => isSuccess(a) && a.headers['idempotent-replayed'] !== 'true')
  const broken = !isSuccess(replay) || (executed !== undefined && executed.kind === 'answer' && !executed.body.equals(replay.body)) ? 1 : 0
  if (broken === 1) note('broken replay', replay)
  let requests = 3
  if (kind === 8) {
    // The same key with another body: 422, never a replay of the first.
    const mismatch = await request(pick(3), key, 6)
    requests++
    if (!(mismatch.kind === 'answer' && mismatch.status === 422)) {
      unexpected++
      note('reuse with another body', mismatch)
    }
  }
  return { requests, broken, unexpected }
}
