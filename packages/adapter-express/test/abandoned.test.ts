/**
 * Responses that never end normally: an error after the headers went out (Express destroys the
 * socket, `end` is never called), and a client that hangs up while the handler still runs.
 */
import type { AddressInfo } from 'node:net'
import { MemoryStore } from '@idemkit/core'
import express from 'express'
import { afterEach, expect, test } from 'vitest'
import { idempotency } from '../src/index.js'

const closers: Array<() => void> = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  closers.push(() => {
    server.close()
    server.closeAllConnections()
  })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const post = (url: string, signal?: AbortSignal) =>
  fetch(`${url}/pay`, { method: 'POST', headers: { 'idempotency-key': 'abandon', 'content-type': 'text/plain' }, body: 'x', ...(signal ? { signal } : {}) })

test('an error after the headers went out: the key is held for one lease, then released so a retry runs', async () => {
  let calls = 0
  const app = express()
  app.post('/pay', idempotency({ store: new MemoryStore(), lease: 400 }), async (_req, res) => {
    calls++
    if (calls === 1) {
      res.status(200).write('partial')
      throw new Error('failed mid-response')
    }
    res.status(201).send('done')
  })
  const url = await listen(app)
  await expect(post(url).then((response) => response.text())).rejects.toThrow()
  expect((await post(url)).status).toBe(409) // still within the lease: never a second concurrent run
  await sleep(600)
  const retry = await post(url)
  expect(retry.status).toBe(201)
  expect(await retry.text()).toBe('done')
  expect(calls).toBe(2)
})

test('a client that hangs up while the handler runs: the handler finishes, its result is stored and replayed', async () => {
  let calls = 0
  let finish!: () => void
  const app = express()
  app.post('/pay', idempotency({ store: new MemoryStore(), lease: 2_000 }), async (_req, res) => {
    calls++
    await new Promise<void>((resolve) => (finish = resolve))
    res.status(201).send('charged once')
  })
  const url = await listen(app)
  const controller = new AbortController()
  const abandoned = post(url, controller.signal)
  while (calls === 0) await sleep(5)
  controller.abort()
  await expect(abandoned).rejects.toThrow()
  await sleep(50)
  expect((await post(url)).status).toBe(409)
  finish()
  await sleep(50)
  const replay = await post(url)
  expect(replay.status).toBe(201)
  expect(replay.headers.get('idempotent-replayed')).toBe('true')
  expect(await replay.text()).toBe('charged once')
  expect(calls).toBe(1)
})
