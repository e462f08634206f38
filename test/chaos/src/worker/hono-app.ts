/**
 * The Hono worker app on `@hono/node-server`: one Hono app per mounted site (base path
 * `/m/<name>`), each route protected by idemkit's middleware, behind a tiny dispatcher (a Hono
 * router cannot take new routes once it has matched a request). The app's own errors answer
 * `about:blank` problem documents marked with {@link APP_ERROR_HEADER}.
 *
 * @module
 */
import { serve } from '@hono/node-server'
import { idempotency } from '@idemkit/adapter-hono'
import type { HttpResponse } from '@idemkit/core/http'
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { APP_ERROR_HEADER, CONTROL } from './config.js'
import { amountOf, appProblem, delayOf, type OperationAnswer, type Operations } from './operation.js'
import type { Site } from './site.js'

async function inputOf(c: Context, operations: Operations) {
  let text: string | undefined
  try {
    text = await c.req.text()
  } catch {
    text = undefined
  }
  return {
    op: c.req.header(CONTROL.op) ?? c.req.param('id') ?? '',
    tenant: operations.tenantOf(c.req.header('authorization')),
    delayBeforeMs: delayOf(c.req.header(CONTROL.delayBefore)),
    delayAfterMs: delayOf(c.req.header(CONTROL.delayAfter)),
    amount: amountOf(text),
  }
}

function send(answer: OperationAnswer | HttpResponse, setCookie: string): Response {
  if ('contentType' in answer) {
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType, 'set-cookie': setCookie } })
  }
  const headers = new Headers()
  for (const [name, value] of answer.headers) headers.append(name, value)
  return new Response(answer.body as Uint8Array<ArrayBuffer>, { status: answer.status, headers })
}

function problem(status: number, detail: string): Response {
  const answer = appProblem(status, detail)
  return new Response(answer.body, { status, headers: { 'content-type': answer.contentType, [APP_ERROR_HEADER]: '1' } })
}

function siteApp(site: Site): Hono {
  const { operations, engine } = site
  const app = new Hono().basePath(`/m/${site.config.name}`)
  const protect = idempotency({ engine, required: true, scope: (c: Context) => operations.tenantOf(c.req.header('authorization')) })
  app.post('/ops/:id', protect, async (c) => send(await operations.perform(await inputOf(c, operations)), operations.setCookie))
  app.post('/tx-ops/:id', async (c) =>
    send(await operations.performTransactional(c.req.header('idempotency-key'), await inputOf(c, operations)), operations.setCookie),
  )
  app.notFound(() => problem(404, 'no such route'))
  app.onError((error) => problem(error instanceof HTTPException ? error.status : 500, error.message))
  return app
}

/** Start the Hono app on a free loopback port; resolves with the port. */
export async function startHono(sites: ReadonlyMap<string, Site>): Promise<number> {
  const apps = new WeakMap<Site, Hono>()
  const fetch = (request: Request): Response | Promise<Response> => {
    const name = /^\/m\/([^/]+)\//.exec(new URL(request.url).pathname)?.[1]
    const site = name === undefined ? undefined : sites.get(name)
    if (site === undefined) return problem(404, 'no such route')
    let app = apps.get(site)
    if (app === undefined) {
      app = siteApp(site)
      apps.set(site, app)
    }
    return app.fetch(request)
  }
  return new Promise((resolve) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port))
  })
}
