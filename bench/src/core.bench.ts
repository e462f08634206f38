/**
 * `run()` with the MemoryStore for a 1 KB JSON payload: new keys and replays, next to the cost of
 * fingerprinting alone (the floor: a replay cannot be cheaper than hashing its input) and of a bare
 * `JSON.stringify` of the same payload, all measured in this process.
 *
 * Target (issue 2): ≥ 150k replays/s and ≥ 100k new keys/s on one core, set where fingerprinting
 * 1 KB costs ~4 µs (250k/s). The same targets relative to the fingerprint measured here (0.6× and
 * 0.4× of its throughput) are printed too, since the absolute ones move with the machine.
 */
import { canonicalize, createIdempotency, fingerprint, MemoryStore } from '@idemkit/core'
import { Bench } from 'tinybench'
import { throughputOf } from './support/throughput.js'

function payloadOf(bytes: number): Record<string, unknown> {
  const payload: Record<string, unknown> = { amount: 4200, currency: 'EUR', customer: 'cus_8f3k2', items: [] as unknown[] }
  let index = 0
  while (JSON.stringify(payload).length < bytes) {
    ;(payload.items as unknown[]).push({ sku: `sku-${index}`, qty: index % 7, price: 199 + index, note: 'x'.repeat(12) })
    index++
  }
  return payload
}

const payload = payloadOf(1024)
const result = { id: 'pay_123', status: 'succeeded', amount: 4200 }
const replayKeys = 10_000

const newKeyEngine = createIdempotency({ store: new MemoryStore({ maxEntries: 1_000_000 }) })
const replayEngine = createIdempotency({ store: new MemoryStore() })
const cachedEngine = createIdempotency({ store: new MemoryStore(), localCache: { maxEntries: replayKeys } })
for (let index = 0; index < replayKeys; index++) {
  await replayEngine.run(`replay-${index}`, payload, () => result)
  await cachedEngine.run(`replay-${index}`, payload, () => result)
}

let newKey = 0
let replayKey = 0
const bench = new Bench({ time: 1_500, warmup: true })
bench
  .add('baseline: JSON.stringify(1 KB)', () => {
    JSON.stringify(payload)
  })
  .add('baseline: fingerprint(1 KB) (canonical JSON + SHA-256)', async () => {
    await fingerprint(payload)
  })
  .add('canonicalize(1 KB) alone', () => {
    canonicalize(payload)
  })
  .add('run(): new key', async () => {
    await newKeyEngine.run(`new-${newKey++}`, payload, () => result)
  })
  .add('run(): replay', async () => {
    await replayEngine.run(`replay-${replayKey++ % replayKeys}`, payload, () => result)
  })
  .add('run(): replay with localCache', async () => {
    await cachedEngine.run(`replay-${replayKey++ % replayKeys}`, payload, () => result)
  })

await bench.run()

const opsPerSecond = (name: string): number => throughputOf(bench, name)
const fingerprintOps = opsPerSecond('baseline: fingerprint(1 KB) (canonical JSON + SHA-256)')
console.log(`\n@idemkit/core run() with MemoryStore, 1 KB JSON input (Node ${process.version})`)
console.log('| task | ops/s | µs/op | ratio to fingerprint alone |')
console.log('| --- | ---: | ---: | ---: |')
for (const task of bench.tasks) {
  const ops = opsPerSecond(task.name)
  console.log(`| ${task.name} | ${Math.round(ops).toLocaleString('en-US')} | ${(1e6 / ops).toFixed(2)} | ${(ops / fingerprintOps).toFixed(2)} |`)
}

const replayOps = opsPerSecond('run(): replay')
const newOps = opsPerSecond('run(): new key')
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met')
console.log(`\nIssue 2 targets: replays ≥ 150,000/s: ${verdict(replayOps >= 150_000)}; new keys ≥ 100,000/s: ${verdict(newOps >= 100_000)}.`)
console.log(
  `Relative to fingerprinting here (${Math.round(fingerprintOps).toLocaleString('en-US')}/s; the targets assume 250,000/s): ` +
    `replays ${(replayOps / fingerprintOps).toFixed(2)}× (target 0.60×, ${verdict(replayOps / fingerprintOps >= 0.6)}), ` +
    `new keys ${(newOps / fingerprintOps).toFixed(2)}× (target 0.40×, ${verdict(newOps / fingerprintOps >= 0.4)}).`,
)
