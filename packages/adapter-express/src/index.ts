/**
 * `@idemkit/adapter-express`: Idempotency-Key for Express 4 and 5. All behaviour is
 * `@idemkit/core/http`'s; this package only translates Express requests and responses.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { createHttpIdempotency, type HttpIdempotency, type HttpIdempotencyOptions, type HttpRequest, type RequestBody } from '@idemkit/core/http'
import { readRequestBody } from './raw-body.js'
import { recordResponse, sendResponse, stripReplayedHeader } from './response.js'

export { captureRawBody } from './raw-body.js'

/** Options of {@link idempotency}: the shared HTTP options, with Express' `Request` as the request. */
export type IdempotencyOptions = HttpIdempotencyOptions<Request>

/**
 * Idempotency-Key middleware for Express 4 and 5.
 *
 * Works whether or not a body parser ran before it. For the exact request bytes with
 * `express.json()` mounted globally, pass {@link captureRawBody} as its `verify` option; without a
 * parser, the middleware reads the body itself and puts it back for later parsers and handlers.
 * Mounted on a route, it fingerprints the route pattern (`req.baseUrl + req.route.path`) and its
 * parameters; mounted with `app.use`, the request path (no route is matched yet).
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { MemoryStore } from '@idemkit/core'
 * import { captureRawBody, idempotency } from '@idemkit/adapter-express'
 *
 * const app = express()
 * app.use(express.json({ verify: captureRawBody }))
 * app.post('/payments', idempotency({ store: new MemoryStore(), required: true, scope: (req) => req.get('x-account-id') }), async (req, res) => {
 *   res.status(201).json(await createPayment(req.body))
 * })
 * ```
 */
export function idempotency(options: IdempotencyOptions): RequestHandler {
  const http = createHttpIdempotency<Request>(options)
  return function idempotencyMiddleware(req: Request, res: Response, next: NextFunction): void {
    handle(http, req, res, next).catch(next)
  }
}

async function handle(http: HttpIdempotency<Request>, req: Request, res: Response, next: NextFunction): Promise<void> {
  const decision = await http.begin(req, toHttpRequest(req))
  switch (decision.kind) {
    case 'respond':
      sendResponse(res, decision.response)
      return
    case 'pass':
      stripReplayedHeader(res)
      next()
      return
    case 'execute':
      // A thrown error reaches Express' error handler unchanged; what it answers (5xx by default)
      // is what the storing policy sees.
      recordResponse(res, decision.execution)
      next()
  }
}

function toHttpRequest(req: Request): HttpRequest {
  return new ExpressHttpRequest(req)
}

/**
 * The neutral view of an Express request: one small object per request whose members live on the
 * prototype (an object literal with getters and closures cost several allocations per request).
 */
class ExpressHttpRequest implements HttpRequest {
  readonly method: string
  constructor(private readonly req: Request) {
    this.method = req.method
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name]
    return Array.isArray(value) ? value.join(',') : value
  }

  // Read only for a protected request (req.path parses the URL): a pass-through computes nothing.
  // On a route (app.post('/x/:id', idempotency(), …)) Express knows the pattern and its parameters.
  get route(): string {
    const { req } = this
    const route = routeOf(req)
    return route === undefined ? req.baseUrl + req.path : req.baseUrl + route
  }

  get params(): Record<string, string> | undefined {
    return routeOf(this.req) === undefined ? undefined : ({ ...this.req.params } as Record<string, string>)
  }

  readBody(): Promise<RequestBody> {
    return readRequestBody(this.req)
  }
}

/** The matched route pattern, when the middleware runs on a route. */
function routeOf(req: Request): string | undefined {
  const route = (req as Request & { route?: { path?: unknown } }).route
  return route !== undefined && typeof route.path === 'string' ? route.path : undefined
}
