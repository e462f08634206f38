/** The handler can still read the raw request body after the middleware read it for the fingerprint. */
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { MemoryStore } from '@idemkit/core'
import { Hono } from 'hono'
import { afterAll, describe, expect, test } from 'vitest'
import { idempotency } from '../src/index.js'

const body = JSON.stringify({ amount: 100, note: 'héllo' })

function app(): Hono {
  const hono = new Hono()
  const guard = idempotency({ store: new MemoryStore() })
  hono.post('/raw-json', guard, async (c) => c.json({ seen: await c.req.raw.json() }, 201))
  hono.post('/raw-stream', guard, async (c) => c.json({ seen: await new Response(c.req.raw.body).text() }, 201))
  hono.post('/raw-clone', guard, async (c) => c.json({ seen: await c.req.raw.clone().text(), again: await c.req.text() }, 201))
  hono.post('/cached', guard, async (c) => c.json({ seen: await c.req.json(), bytes: (await c.req.arrayBuffer()).byteLength }, 201))
  return hono
}

const servers: Array<ReturnType<typeof serve>> = []
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
})

async function overNodeServer(): Promise<(path: string, init: RequestInit) => Promise<Response>> {
  const hono = app()
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started))
  })
  servers.push(server)
  const { port } = server.address() as AddressInfo
  return (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)
}

describe.each([
  ['app.request', async () => { const hono = app(); return (path: string, init: RequestInit) => hono.request(path, init) }],
  ['@hono/node-server', overNodeServer],
])('raw body after idempotency() (%s)', (_name, start) => {
  const init = (key: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body })

  test.each([
    ['/raw-json', { seen: JSON.parse(body) }],
    ['/raw-stream', { seen: body }],
    ['/raw-clone', { seen: body, again: body }],
    ['/cached', { seen: JSON.parse(body), bytes: new TextEncoder().encode(body).length }],
  ])('%s reads the body the client sent; the retry replays it', async (path, expected) => {
    const fetchPath = await start()
    const key = `raw${path}-${Math.random()}`
    const first = await fetchPath(path, init(key))
    expect(first.status).toBe(201)
    expect(await first.json()).toEqual(expected)
    const replay = await fetchPath(path, init(key))
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(await replay.json()).toEqual(expected)
  })
})
