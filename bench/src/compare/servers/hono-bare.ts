/** Bare Hono on `@hono/node-server`: the handlers read the JSON body and answer, no idempotency. The baseline of every Hono ratio. */
import { createAdaptorServer } from '@hono/node-server'
import type { Server } from 'node:http'
import { Hono } from 'hono'
import { ORDERS_PATH, REPORTS_PATH } from '../payloads.js'
import { nextOrder, nextReport, serve } from './runtime.js'

const app = new Hono()
app.post(ORDERS_PATH, async (c) => {
  await c.req.json()
  return c.json(nextOrder(), 201)
})
app.post(REPORTS_PATH, async (c) => {
  await c.req.json()
  return c.json(nextReport())
})
serve(createAdaptorServer({ fetch: app.fetch }) as Server)
