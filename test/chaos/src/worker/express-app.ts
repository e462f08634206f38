/**
 * The Express worker app: `express.json()` mounted globally with the raw-bytes hook (the documented
 * setup: most apps parse JSON app-wide), then one router per mounted site under `/m/<name>`, each
 * route protected by idemkit's middleware. The app's own errors answer `about:blank` problem
 * documents marked with {@link APP_ERROR_HEADER}, so the fuzzer can tell them from idemkit's.
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import { captureRawBody, idempotency } from '@idemkit/adapter-express'
import type { HttpResponse } from '@idemkit/core/http'
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { APP_ERROR_HEADER, CONTROL } from './config.js'
import { appProblem, delayOf, type OperationAnswer, type Operations } from './operation.js'
import type { Site } from './site.js'

function inputOf(req: Request, operations: Operations) {
  const body: unknown = req.body
  return {
    op: req.get(CONTROL.op) ?? String(req.params.id),
    tenant: operations.tenantOf(req.get('authorization')),
    delayBeforeMs: delayOf(req.get(CONTROL.delayBefore)),
    delayAfterMs: delayOf(req.get(CONTROL.delayAfter)),
    amount: typeof body === 'object' && body !== null && 'amount' in body ? (body as { amount: unknown }).amount : undefined,
  }
}

function send(res: Response, answer: OperationAnswer | HttpResponse, setCookie: string): void {
  if ('contentType' in answer) {
    res.status(answer.status).set('content-type', answer.contentType).set('set-cookie', setCookie).send(answer.body)
    return
  }
  res.status(answer.status)
  for (const [name, value] of answer.headers) res.append(name, value)
  res.send(Buffer.from(answer.body))
}

/** The router of one site: `/ops/:id` behind the middleware, `/tx-ops/:id` with runInTransaction. */
function siteRouter(site: Site): RequestHandler {
  const { operations, engine } = site
  // No mergeParams: the dispatcher's `:mount` must not join the route parameters (they are fingerprinted).
  const router = express.Router()
  const protect = idempotency({ engine, required: true, scope: (req: Request) => operations.tenantOf(req.get('authorization')) })
  router.post('/ops/:id', protect, async (req, res) => {
    send(res, await operations.perform(inputOf(req, operations)), operations.setCookie)
  })
  // Transactional completion is its own route: runInTransaction claims the key itself.
  router.post('/tx-ops/:id', async (req, res) => {
    send(res, await operations.performTransactional(req.get('idempotency-key'), inputOf(req, operations)), operations.setCookie)
  })
  return router
}

function problem(res: Response, status: number, detail: string): void {
  res.status(status).set(APP_ERROR_HEADER, '1').type('application/problem+json').send(appProblem(status, detail).body)
}

/** Start the Express app on a free loopback port; resolves with the port. */
export async function startExpress(sites: ReadonlyMap<string, Site>): Promise<number> {
  const app = express()
  app.disable('x-powered-by')
  app.use(express.json({ limit: '20mb', verify: captureRawBody }))
  const routers = new WeakMap<Site, RequestHandler>()
  app.use('/m/:mount', (req, res, next) => {
    const site = sites.get(String(req.params.mount))
    if (site === undefined) return next()
    let router = routers.get(site)
    if (router === undefined) {
      router = siteRouter(site)
      routers.set(site, router)
    }
    router(req, res, next)
  })
  app.use((_req, res) => problem(res, 404, 'no such route'))
  app.use((error: { status?: number; statusCode?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    problem(res, error.status ?? error.statusCode ?? 500, String(error.message))
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve())
    server.once('error', reject)
  })
  return (server.address() as AddressInfo).port
}
