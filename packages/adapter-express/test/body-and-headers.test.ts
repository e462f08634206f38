/**
 * Express-specific behaviour the shared suite cannot reach: repeated raw header lines, the body put
 * back for parsers mounted after the middleware, app-wide mounting, and the fingerprint staying the
 * same whichever way the body was read.
 */
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MemoryStore } from '@idemkit/core'
import express5 from 'express'
import express4 from 'express4'
import type { Express } from 'express'
import { afterEach, describe, expect, test } from 'vitest'
import { captureRawBody, idempotency } from '../src/index.js'

const servers: Array<{ close(): void; closeAllConnections(): void }> = []
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.close()
    server.closeAllConnections()
  }
})

async function listen(app: Express): Promise<number> {
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  return (server.address() as AddressInfo).port
}

/** A raw HTTP request: header values given as arrays become repeated lines; `chunks` are sent chunked. */
function raw(port: number, path: string, headers: Record<string, string | string[]>, chunks: string[]): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

for (const [version, express] of [
  [4, express4 as typeof express5],
  [5, express5],
] as const) {
  describe(`express ${version}`, () => {
    test('two header lines with different keys → 400; with the same key → one key', async () => {
      const app = express()
      let calls = 0
      app.post('/pay', idempotency({ store: new MemoryStore() }), (_req, res) => void res.status(201).json({ n: ++calls }))
      const port = await listen(app)
      const differing = await raw(port, '/pay', { 'idempotency-key': ['one', 'two'] }, [])
      expect(differing.status).toBe(400)
      expect(JSON.parse(differing.body)).toMatchObject({ type: 'https://idemkit.dev/problems/invalid_key' })
      const first = await raw(port, '/pay', { 'idempotency-key': ['same', 'same'] }, [])
      const replay = await raw(port, '/pay', { 'idempotency-key': 'same' }, [])
      expect(first.status).toBe(201)
      expect(replay.headers['idempotent-replayed']).toBe('true')
      expect(replay.body).toBe(first.body)
      expect(calls).toBe(1)
    })

    test('mounted app-wide before the parsers: the body is put back for express.json(), express.raw() and a handler reading the stream', async () => {
      const app = express()
      app.use(idempotency({ store: new MemoryStore() }))
      app.post('/json', express.json(), (req, res) => void res.status(201).json({ got: req.body }))
      app.post('/raw', express.raw({ type: '*/*' }), (req, res) => void res.status(201).send(Buffer.concat([Buffer.from('got:'), req.body as Buffer])))
      app.post('/stream', async (req, res) => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        res.status(201).send(`got:${Buffer.concat(chunks).toString('utf8')}`)
      })
      const port = await listen(app)
      const body = '{"amount": 10, "currency": "EUR"}'
      const json = await raw(port, '/json', { 'idempotency-key': 'j', 'content-type': 'application/json' }, [body.slice(0, 7), body.slice(7)])
      expect(JSON.parse(json.body)).toEqual({ got: { amount: 10, currency: 'EUR' } })
      const rawBody = await raw(port, '/raw', { 'idempotency-key': 'r', 'content-type': 'application/octet-stream', 'content-length': String(Buffer.byteLength(body)) }, [body])
      expect(rawBody.body).toBe(`got:${body}`)
      const streamed = await raw(port, '/stream', { 'idempotency-key': 's', 'content-type': 'text/plain' }, ['a'.repeat(70_000), 'b'.repeat(70_000)])
      expect(streamed.body).toBe(`got:${'a'.repeat(70_000)}${'b'.repeat(70_000)}`)
      const replay = await raw(port, '/stream', { 'idempotency-key': 's', 'content-type': 'text/plain' }, ['a'.repeat(70_000), 'b'.repeat(70_000)])
      expect(replay.headers['idempotent-replayed']).toBe('true')
      expect(replay.body).toBe(streamed.body)
    })

    test('mounted app-wide, the route is the request path: the same key on another path → 422', async () => {
      const app = express()
      app.use(express.json({ verify: captureRawBody }))
      app.use(idempotency({ store: new MemoryStore() }))
      app.post('/orders/:id', (req, res) => void res.status(201).json({ order: req.params.id }))
      const port = await listen(app)
      const first = await raw(port, '/orders/1', { 'idempotency-key': 'o', 'content-type': 'application/json' }, ['{}'])
      expect(first.status).toBe(201)
      const other = await raw(port, '/orders/2', { 'idempotency-key': 'o', 'content-type': 'application/json' }, ['{}'])
      expect(other.status).toBe(422)
    })

    test('the fingerprint of a JSON body is the same from raw bytes, captureRawBody or a parsed req.body', async () => {
      const store = new MemoryStore()
      const ports: number[] = []
      for (const setup of ['none', 'verify', 'parsed'] as const) {
        const app = express()
        if (setup === 'verify') app.use(express.json({ verify: captureRawBody }))
        if (setup === 'parsed') app.use(express.json())
        app.post('/pay', idempotency({ store }), (_req, res) => void res.status(201).json({ servedBy: setup }))
        ports.push(await listen(app))
      }
      const replies = []
      for (const [index, port] of ports.entries()) {
        const body = index === 1 ? '{ "b": [1, 2], "a": "x" }' : '{"a":"x","b":[1,2]}'
        replies.push(await raw(port, '/pay', { 'idempotency-key': 'shared', 'content-type': 'application/json' }, [body]))
      }
      expect(replies.map((reply) => reply.status)).toEqual([201, 201, 201])
      expect(replies.map((reply) => JSON.parse(reply.body).servedBy)).toEqual(['none', 'none', 'none'])
      expect(replies.map((reply) => reply.headers['idempotent-replayed'] ?? null)).toEqual([null, 'true', 'true'])
    })
  })
}
