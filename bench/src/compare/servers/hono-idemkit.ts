/** idemkit on Hono: `@idemkit/adapter-hono` on both routes, on the store the command line names. */
import { createAdaptorServer } from '@hono/node-server'
import type { Server } from 'node:http'
import { idempotency } from '@idemkit/adapter-hono'
import { Hono } from 'hono'
import { ORDERS_PATH, REPORTS_PATH } from '../payloads.js'
import { idemkitEngine } from './idemkit-engine.js'
import { nextOrder, nextReport, readSettings, serve } from './runtime.js'

const { engine, cleanup } = await idemkitEngine(readSettings())
const guard = idempotency({ engine })
const app = new Hono()
app.post(ORDERS_PATH, guard, async (c) => {
  await c.req.json()
  return c.json(nextOrder(), 201)
})
app.post(REPORTS_PATH, guard, async (c) => {
  await c.req.json()
  return c.json(nextReport())
})
serve(createAdaptorServer({ fetch: app.fetch }) as Server, cleanup)
