/**
 * `withIdempotency`: Idempotency-Key for any Web-standard handler, `(Request) => Promise<Response>`
 * (Bun.serve, Deno.serve, Cloudflare Workers, Next.js route handlers).
 *
 * @module
 */
import { createHttpIdempotency } from './handler.js'
import type { HttpIdempotencyOptions } from './options.js'
import { exchangeWeb, fromWebRequest } from './web.js'

/**
 * Make a Web-standard handler idempotent (DESIGN.md §6). Extra arguments (Workers' `env` and `ctx`,
 * Next.js' route context, Deno's `info`) are passed through unchanged.
 *
 * There is no router here, so the "route" part of the default fingerprint is the URL path (without
 * the query string): `/orders/1` and `/orders/2` are different requests, `/orders?x=1` and `/orders`
 * the same. Supply `fingerprint` to decide otherwise.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@idemkit/core'
 * import { withIdempotency } from '@idemkit/core/http'
 *
 * export const POST = withIdempotency(
 *   async (request: Request) => Response.json(await createPayment(await request.json()), { status: 201 }),
 *   { store: new MemoryStore(), required: true },
 * )
 * ```
 */
export function withIdempotency<A extends unknown[]>(
  handler: (request: Request, ...rest: A) => Response | Promise<Response>,
  options: HttpIdempotencyOptions<Request>,
): (request: Request, ...rest: A) => Promise<Response> {
  const http = createHttpIdempotency<Request>(options)
  return function idempotentHandler(request: Request, ...rest: A): Promise<Response> {
    return exchangeWeb(http, request, fromWebRequest(request), async () => handler(request, ...rest))
  }
}
