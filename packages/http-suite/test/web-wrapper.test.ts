/**
 * The shared HTTP suite against `withIdempotency` from `@idemkit/core/http`: a Web-standard
 * handler called in process, with a tiny router (the wrapper itself has none).
 */
import { withIdempotency } from '@idemkit/core/http'
import { matchRoute, memoryStores, redisStores, runHttpFuzz, runHttpSuite, webReply, type HttpHarness } from '../src/index.js'

const harness: HttpHarness = {
  name: 'web wrapper (withIdempotency)',
  nativeResponders: ['Response with a ReadableStream of Uint8Array', 'Response.json'],
  rawHeaderValues: true,
  inProcess: true,
  rejectsMalformedJson: false,
  requestHeader: (req, name) => (req as Request).headers.get(name) ?? undefined,
  async start(routes, options) {
    const handlers = routes.map((route) => ({
      route,
      handle: withIdempotency(async (request: Request, params: Record<string, string>) => {
        const reply = await route.handler({ body: await request.text(), params })
        if (reply.type !== 'native') return webReply(reply)
        if (reply.name === 'Response.json') return Response.json({ native: true, list: [1, 2, 3] }, { status: 202 })
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new Uint8Array([1, 2, 3]))
              controller.enqueue(new Uint8Array([0xff, 0x00]))
              controller.close()
            },
          }),
          { status: 200, headers: { 'content-type': 'application/octet-stream' } },
        )
      }, options as Parameters<typeof withIdempotency>[1]),
    }))
    return {
      async fetch(path, init) {
        const request = new Request(`http://localhost${path}`, init)
        const pathname = new URL(request.url).pathname
        for (const { route, handle } of handlers) {
          const params = matchRoute(route.path, pathname)
          if (params === undefined || route.method !== request.method) continue
          try {
            return await handle(request, params)
          } catch (error) {
            // What a runtime does with a handler that throws: a 500.
            return Response.json({ error: (error as Error).message }, { status: 500 })
          }
        }
        return new Response('not found', { status: 404 })
      },
      async close() {},
    }
  },
}

runHttpSuite(harness, [memoryStores(), redisStores('web')])
runHttpFuzz(harness, memoryStores(), 150)
