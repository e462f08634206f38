/**
 * `@idemkit/adapter-hono`: Idempotency-Key for Hono, on every runtime Hono runs on (Node, Bun,
 * Deno, Cloudflare Workers). All behaviour is `@idemkit/core/http`'s; this file only tells it
 * where Hono keeps the route, the body and the response.
 *
 * @packageDocumentation
 */
import {
  createHttpIdempotency,
  exchangeWeb,
  fromWebRequest,
  readRequestBody,
  type HttpIdempotencyOptions,
  type RequestBody,
  type WebRequestRoute,
} from '@idemkit/core/http'
import type { Context, MiddlewareHandler } from 'hono'

/** Options of {@link idempotency}: the shared HTTP options, with Hono's `Context` as the request. */
export type IdempotencyOptions = HttpIdempotencyOptions<Context>

/**
 * Idempotency-Key middleware for Hono. Mount it on the routes it protects (it then fingerprints the
 * route pattern, e.g. `/payments/:id`, and its parameters), or app-wide (`app.use('*', …)`, where it
 * fingerprints the URL path, since the final route is not known yet).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { MemoryStore } from '@idemkit/core'
 * import { idempotency } from '@idemkit/adapter-hono'
 *
 * const app = new Hono()
 * app.post('/payments', idempotency({ store: new MemoryStore(), required: true }), async (c) => {
 *   const payment = await createPayment(await c.req.json())
 *   return c.json(payment, 201)
 * })
 * ```
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler {
  const http = createHttpIdempotency<Context>(options)
  return async function idempotencyMiddleware(c, next) {
    const response = await exchangeWeb(
      http,
      c,
      fromWebRequest(c.req.raw, routeOf(c)),
      async () => {
        await next()
        return c.res
      },
      // Hono catches a handler's error, answers with its error handler and sets `c.error`.
      () => c.error !== undefined,
    )
    if (response !== c.res) {
      // Assigning over an existing `c.res` merges the old headers into the new response, which
      // would bring back a stripped `Idempotent-Replayed`; clear it first so ours is taken as is.
      c.res = undefined
      c.res = response
    }
  }
}

/**
 * The matched route pattern and its parameters (the URL path when mounted on a wildcard), and the
 * body; read lazily, so a request that passes through asks Hono for nothing.
 */
function routeOf(c: Context): WebRequestRoute {
  return {
    get route() {
      const pattern = c.req.routePath
      return pattern.includes('*') ? c.req.path : pattern
    },
    get params() {
      return c.req.routePath.includes('*') ? undefined : (c.req.param() as Record<string, string>)
    },
    readBody: () => readBody(c),
  }
}

/**
 * The raw body bytes, read so that the handler (and `c.req.json()`, validators, or a raw
 * `c.req.raw.body`) can still read it (see `readRequestBody`: no clone, no tee, and
 * `@hono/node-server` reads the socket directly); if an earlier middleware already consumed the raw
 * body, use Hono's body cache instead.
 */
async function readBody(c: Context): Promise<RequestBody> {
  const raw = c.req.raw
  if (raw.bodyUsed) return { bytes: new Uint8Array(await c.req.arrayBuffer()) }
  return { bytes: await readRequestBody(raw) }
}
