/**
 * Latency the HTTP layer adds per request, MemoryStore, 1 KB JSON body, measured in this process
 * against the same handler without it:
 * - Hono through `app.request` (in process, no sockets), with and without `idempotency()`;
 * - a bare Web handler, with and without `withIdempotency()`.
 * For each: a new key (fingerprint, claim, run, record, store), a replay (fingerprint, read,
 * rebuild the response) and a request without a key (pass-through).
 */
import { MemoryStore } from '@idemkit/core'
import { withIdempotency } from '@idemkit/core/http'
import { idempotency } from '@idemkit/adapter-hono'
import { Hono } from 'hono'
import { Bench } from 'tinybench'

const payload: Record<string, unknown> = { amount: 4200, currency: 'EUR', customer: 'cus_8f3k2', items: [] as unknown[] }
for (let index = 0; JSON.stringify(payload).length < 1024; index++) {
  ;(payload.items as unknown[]).push({ sku: `sku-${index}`, qty: index % 7, price: 199 + index })
}
const body = JSON.stringify(payload)
const result = { id: 'pay_123', status: 'succeeded', amount: 4200 }
const replayKeys = 1_000

function honoApp(protect: boolean): Hono {
  const app = new Hono()
  const handler = async (c: import('hono').Context) => {
    await c.req.json()
    return c.json(result, 201)
  }
  if (protect) app.post('/payments', idempotency({ store: new MemoryStore({ maxEntries: 1_000_000 }) }), handler)
  else app.post('/payments', handler)
  return app
}

async function webHandler(request: Request): Promise<Response> {
  await request.json()
  return Response.json(result, { status: 201 })
}

const bareHono = honoApp(false)
const protectedHono = honoApp(true)
const protectedWeb = withIdempotency(webHandler, { store: new MemoryStore({ maxEntries: 1_000_000 }) })

const init = (key?: string): RequestInit => ({
  method: 'POST',
  headers: key === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'idempotency-key': key },
  body,
})
const webRequest = (key?: string) => new Request('http://localhost/payments', init(key))

for (let index = 0; index < replayKeys; index++) {
  await (await protectedHono.request('/payments', init(`replay-${index}`))).arrayBuffer()
  await (await protectedWeb(webRequest(`replay-${index}`))).arrayBuffer()
}

let fresh = 0
let replay = 0
const tasks = new Map<string, () => Promise<void>>([
  ['hono: bare', async () => void (await (await bareHono.request('/payments', init())).arrayBuffer())],
  ['hono: idempotency(), new key', async () => void (await (await protectedHono.request('/payments', init(`new-${fresh++}`))).arrayBuffer())],
  ['hono: idempotency(), replay', async () => void (await (await protectedHono.request('/payments', init(`replay-${replay++ % replayKeys}`))).arrayBuffer())],
  ['hono: idempotency(), no key', async () => void (await (await protectedHono.request('/payments', init())).arrayBuffer())],
  ['web: bare', async () => void (await (await webHandler(webRequest())).arrayBuffer())],
  ['web: withIdempotency(), new key', async () => void (await (await protectedWeb(webRequest(`new-${fresh++}`))).arrayBuffer())],
  ['web: withIdempotency(), replay', async () => void (await (await protectedWeb(webRequest(`replay-${replay++ % replayKeys}`))).arrayBuffer())],
  ['web: withIdempotency(), no key', async () => void (await (await protectedWeb(webRequest())).arrayBuffer())],
])
const bench = new Bench({ time: 1_500, warmup: true })
for (const [name, fn] of tasks) bench.add(name, fn)

await bench.run()

/**
 * CPU time per request (user + system, `process.cpuUsage`) over sequential requests: on a busy
 * machine wall-clock latency mostly measures the scheduler, CPU time still measures our work.
 */
async function cpuUsPerRequest(run: () => Promise<void>, requests = 3_000): Promise<number> {
  for (let index = 0; index < 200; index++) await run()
  const before = process.cpuUsage()
  for (let index = 0; index < requests; index++) await run()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / requests
}
const cpu = new Map<string, number>()
for (const task of bench.tasks) {
  const fn = tasks.get(task.name)
  if (fn !== undefined) cpu.set(task.name, await cpuUsPerRequest(fn))
}

/** Mean and median latency of a task, in µs (tinybench reports milliseconds). */
const latencyUs = (name: string): { mean: number; p50: number } => {
  const task = bench.getTask(name)
  const latency = task?.result && 'latency' in task.result ? task.result.latency : undefined
  if (latency === undefined) throw new Error(`no result for ${name}`)
  return { mean: latency.mean * 1000, p50: (latency.p50 ?? latency.mean) * 1000 }
}
console.log(`\nHTTP layer, MemoryStore, 1 KB JSON body (Node ${process.version})`)
console.log('| task | µs/request (median) | added vs bare, median | µs/request (mean) | added vs bare, mean | CPU µs/request | added CPU µs vs bare |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const task of bench.tasks) {
  const bareName = task.name.startsWith('hono') ? 'hono: bare' : 'web: bare'
  const bare = latencyUs(bareName)
  const own = latencyUs(task.name)
  const ownCpu = cpu.get(task.name) ?? Number.NaN
  const bareCpu = cpu.get(bareName) ?? Number.NaN
  console.log(
    `| ${task.name} | ${own.p50.toFixed(1)} | ${(own.p50 - bare.p50).toFixed(1)} | ${own.mean.toFixed(1)} | ${(own.mean - bare.mean).toFixed(1)} | ${ownCpu.toFixed(1)} | ${(ownCpu - bareCpu).toFixed(1)} |`,
  )
}
