/**
 * The one app every benchmark server serves, in Express and in Hono: the same two routes and the
 * same handler work, with the configuration's idempotency middleware (none for the bare baselines)
 * in front. One definition, so no configuration measures a different handler.
 *
 * @module
 */
import express, { type Express, type RequestHandler } from 'express'
import { Hono, type Handler, type MiddlewareHandler } from 'hono'
import { ORDERS_PATH, REPORTS_PATH } from '../payloads.js'
import { nextOrder, nextReport } from './runtime.js'

/** Express 5 with a global `express.json()` (as most apps mount it), `guard` on both routes. */
export function expressOrdersApp(...guard: RequestHandler[]): Express {
  const app = express()
  app.use(express.json())
  app.post(ORDERS_PATH, ...guard, (_req, res) => {
    res.status(201).json(nextOrder())
  })
  app.post(REPORTS_PATH, ...guard, (_req, res) => {
    res.json(nextReport())
  })
  return app
}

/** Hono whose handlers read the JSON body and answer, `guard` on both routes. */
export function honoOrdersApp(...guard: MiddlewareHandler[]): Hono {
  const app = new Hono()
  // Hono's typed overloads take a fixed handler list, not a spread of one.
  const route = (path: string, handler: Handler) => app.post(path, ...([...guard, handler] as [Handler]))
  route(ORDERS_PATH, async (c) => {
    await c.req.json()
    return c.json(nextOrder(), 201)
  })
  route(REPORTS_PATH, async (c) => {
    await c.req.json()
    return c.json(nextReport())
  })
  return app
}
