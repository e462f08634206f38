/**
 * CPU µs per request the HTTP layer costs, next to the bare framework measured in the same process,
 * in interleaved rounds (A B C A B C …) so machine drift hits every variant alike. CPU time
 * (`process.cpuUsage`), not wall time: on a loaded machine it is the steady figure.
 *
 * - `inproc`: Hono through `app.request` and the Web wrapper (`withIdempotency`), no sockets.
 * - `servers`: Express 5 and Hono (`@hono/node-server`) on loopback in THIS process, driven by
 *   autocannon in a child process, so the CPU measured here is the server's alone.
 *
 * Usage (in `bench/`): `node --conditions=@idemkit/source --import tsx src/profile-http-cpu.ts inproc|servers [rounds]`
 * (add `--cpu-prof` to node for a profile of the same work; `MAX_ENTRIES` bounds the MemoryStore,
 * `CONNECTIONS` sets the load generator's connections, default 10; `STORE=redis` protects with the
 * Redis store instead, `PIPELINE=0` without ioredis auto-pipelining; `HEAP_SAMPLE=file` writes an
 * allocation-sampling profile of the measured rounds, read by `compare/allocation-summary.ts`).
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createAdaptorServer } from '@hono/node-server'
import { MemoryStore, type IdempotencyStore } from '@idemkit/core'
import { redisStore } from '@idemkit/store-redis'
import { Redis } from 'ioredis'
import { withIdempotency } from '@idemkit/core/http'
import { idempotency as expressIdempotency } from '@idemkit/adapter-express'
import { idempotency as honoIdempotency } from '@idemkit/adapter-hono'
import express from 'express'
import { Hono, type Context } from 'hono'
import { median } from './compare/measure.js'
import { ORDER_RESPONSE, REQUEST_BODY } from './compare/payloads.js'
import { deleteKeys } from './compare/servers/idemkit-engine.js'
import { startAllocationSampling } from './support/allocation-sampling.js'
import { cpuRounds } from './support/cpu-rounds.js'

const mode = process.argv[2] ?? 'inproc'
const rounds = Number(process.argv[3] ?? 5)
/** The store of the protected variants: MemoryStore, or Redis with `STORE=redis` (`PIPELINE=0` turns auto-pipelining off). */
const store = (): IdempotencyStore => {
  if (process.env.STORE !== 'redis') return new MemoryStore({ maxEntries: Number(process.env.MAX_ENTRIES ?? 2_000_000) })
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: process.env.PIPELINE !== '0' })
  redisClients.push(client)
  return redisStore({ client, prefix: `ikb-profile-${process.pid}-${redisClients.length}:` })
}
const redisClients: Redis[] = []

type Task = () => Promise<void>

function honoApp(protect: boolean): Hono {
  const app = new Hono()
  const handler = async (c: Context) => {
    await c.req.json()
    return c.json(ORDER_RESPONSE, 201)
  }
  if (protect) app.post('/orders', honoIdempotency({ store: store() }), handler)
  else app.post('/orders', handler)
  return app
}

function expressApp(protect: boolean): express.Express {
  const app = express()
  app.use(express.json())
  const handler: express.RequestHandler = (_req, res) => {
    res.status(201).json(ORDER_RESPONSE)
  }
  if (protect) app.post('/orders', expressIdempotency({ store: store() }), handler)
  else app.post('/orders', handler)
  return app
}

function report(results: Map<string, number[]>): void {
  console.log('| variant | CPU µs/request (median of rounds) | all rounds |')
  console.log('| --- | ---: | --- |')
  for (const [name, values] of results) if (values.length > 0) console.log(`| ${name} | ${median(values).toFixed(1)} | ${values.map((v) => v.toFixed(0)).join(' ')} |`)
}

async function inProcess(): Promise<void> {
  const bareHono = honoApp(false)
  const idemHono = honoApp(true)
  const webHandler = async (request: Request) => {
    await request.json()
    return Response.json(ORDER_RESPONSE, { status: 201 })
  }
  const idemWeb = withIdempotency(webHandler, { store: store() })
  const init = (key?: string): RequestInit => ({
    method: 'POST',
    headers: key === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'idempotency-key': key },
    body: REQUEST_BODY,
  })
  const webRequest = (key?: string) => new Request('http://localhost/orders', init(key))
  const replayKeys = 500
  for (let index = 0; index < replayKeys; index++) {
    await (await idemHono.request('/orders', init(`replay-${index}`))).arrayBuffer()
    await (await idemWeb(webRequest(`replay-${index}`))).arrayBuffer()
  }
  let fresh = 0
  let replay = 0
  const tasks = new Map<string, Task>([
    ['hono bare', async () => void (await (await bareHono.request('/orders', init())).arrayBuffer())],
    ['hono new key', async () => void (await (await idemHono.request('/orders', init(`new-${fresh++}`))).arrayBuffer())],
    ['hono replay', async () => void (await (await idemHono.request('/orders', init(`replay-${replay++ % replayKeys}`))).arrayBuffer())],
    ['hono no key', async () => void (await (await idemHono.request('/orders', init())).arrayBuffer())],
    ['web bare', async () => void (await (await webHandler(webRequest())).arrayBuffer())],
    ['web new key', async () => void (await (await idemWeb(webRequest(`new-${fresh++}`))).arrayBuffer())],
    ['web replay', async () => void (await (await idemWeb(webRequest(`replay-${replay++ % replayKeys}`))).arrayBuffer())],
  ])
  // ONLY=name,name keeps those variants (e.g. for a --cpu-prof of one path).
  const only = process.env.ONLY?.split(',')
  if (only !== undefined) for (const name of [...tasks.keys()]) if (!only.includes(name)) tasks.delete(name)
  const results = await cpuRounds(tasks, { rounds, calls: 1_500, warmup: 300 })
  report(results)
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`
}

/**
 * The load generator, run in a child process (so its CPU is not counted here): autocannon with a
 * key per request (`<prefix><n>`), the same key for every request, or none.
 */
const LOAD_SCRIPT = `
import autocannon from 'autocannon'
const [url, amount, body, key, fresh] = JSON.parse(process.argv[1])
let next = 0
const headers = { 'content-type': 'application/json' }
if (key !== null && !fresh) headers['idempotency-key'] = key
const result = await autocannon({
  url, amount, connections: Number(process.env.CONNECTIONS ?? 10), method: 'POST', body, headers,
  requests: fresh ? [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'idempotency-key': key + next++ } }) }] : undefined,
})
if (result.errors > 0 || result.non2xx > 0) { console.error('load errors', result.errors, result.non2xx); process.exit(1) }
`
const benchDirectory = fileURLToPath(new URL('..', import.meta.url))

/** Drive `url` with `amount` requests from a child process; resolves when it is done. */
function drive(url: string, amount: number, key: { key: string; fresh: boolean } | undefined): Promise<void> {
  const args = ['--input-type=module', '-e', LOAD_SCRIPT, JSON.stringify([url, amount, REQUEST_BODY, key?.key ?? null, key?.fresh ?? false])]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: benchDirectory, stdio: ['ignore', 'inherit', 'inherit'] })
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`load generator exited with ${String(code)}`))))
  })
}

async function servers(): Promise<void> {
  const urls = {
    expressBare: await listen(createServer(expressApp(false))),
    expressIdem: await listen(createServer(expressApp(true))),
    honoBare: await listen(createAdaptorServer({ fetch: honoApp(false).fetch }) as Server),
    honoIdem: await listen(createAdaptorServer({ fetch: honoApp(true).fetch }) as Server),
  }
  let round = 0
  type Key = { key: string; fresh: boolean } | undefined
  const variants: Array<[string, string, () => Key]> = [
    ['express bare', urls.expressBare, () => undefined],
    ['express new key', urls.expressIdem, () => ({ key: `new-${round}-`, fresh: true })],
    ['express replay', urls.expressIdem, () => ({ key: 'replay-1', fresh: false })],
    ['hono bare', urls.honoBare, () => undefined],
    ['hono new key', urls.honoIdem, () => ({ key: `new-${round}-`, fresh: true })],
    ['hono replay', urls.honoIdem, () => ({ key: 'replay-1', fresh: false })],
  ]
  const amount = Number(process.env.AMOUNT ?? 3_000)
  // The replayed key is completed once, alone, so no warm-up request meets it in flight (409).
  for (const url of [urls.expressIdem, urls.honoIdem]) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'replay-1' }, body: REQUEST_BODY })
    await response.arrayBuffer()
  }
  for (const [, url, key] of variants) await drive(url, 500, key()) // warm-up
  const heapSample = process.env.HEAP_SAMPLE
  const stopSampling = heapSample === undefined ? undefined : await startAllocationSampling()
  const results = new Map<string, number[]>(variants.map(([name]) => [name, []]))
  // User time alone too: system time is mostly socket writes, whose cost on a loaded machine grows
  // with how often the load generator sleeps (waking it is charged to the writer).
  const userOnly = new Map<string, number[]>(variants.map(([name]) => [name, []]))
  for (round = 1; round <= rounds; round++) {
    for (const [name, url, key] of variants) {
      if (process.env.ONLY !== undefined && !process.env.ONLY.split(',').includes(name)) continue
      const before = process.cpuUsage()
      await drive(url, amount, key())
      const used = process.cpuUsage(before)
      results.get(name)?.push((used.user + used.system) / amount)
      userOnly.get(name)?.push(used.user / amount)
    }
  }
  if (heapSample !== undefined) await stopSampling?.(heapSample)
  report(results)
  console.log('\nuser CPU only')
  report(userOnly)
  // Remove every key the Redis variants wrote, so two runs in a row start clean.
  for (const client of redisClients) {
    await deleteKeys(client, `ikb-profile-${process.pid}-*`)
    client.disconnect()
  }
  process.exit(0)
}

if (mode === 'servers') await servers()
else await inProcess()
