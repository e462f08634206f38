/**
 * With `compression()` mounted before the middleware, the recorded bytes are the handler's
 * (uncompressed) ones; the replay must not carry the Content-Encoding compression added for the
 * first response, or clients would try to gunzip plain bytes.
 */
import type { AddressInfo } from 'node:net'
import { MemoryStore } from '@idemkit/core'
import compression from 'compression'
import express from 'express'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { idempotency } from '../src/index.js'

let url: string
let close: () => void
beforeAll(async () => {
  const app = express()
  app.use(compression({ threshold: 0 }))
  const guard = idempotency({ store: new MemoryStore() })
  app.post('/streamed', guard, (_req, res) => {
    res.type('text/plain')
    res.write('x'.repeat(2_000))
    res.end('y'.repeat(2_000))
  })
  app.post('/json', guard, (_req, res) => void res.status(201).json({ text: 'z'.repeat(2_000) }))
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = () => {
    server.close()
    server.closeAllConnections()
  }
})
afterAll(() => close())

test.each(['/streamed', '/json'])('%s: the first response is compressed; its replay decodes to the same bytes', async (path) => {
  const send = () => fetch(`${url}${path}`, { method: 'POST', headers: { 'idempotency-key': `gzip${path}`, 'accept-encoding': 'gzip' } })
  const first = await send()
  expect(first.headers.get('content-encoding')).toBe('gzip')
  const firstText = await first.text()
  const replay = await send()
  expect(replay.headers.get('idempotent-replayed')).toBe('true')
  expect(await replay.text()).toBe(firstText)
})
