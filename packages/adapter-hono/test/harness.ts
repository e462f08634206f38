/** The Hono harness of the shared HTTP suite: in process (`app.request`) or over `@hono/node-server`. */
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { chunkStream, type HttpHarness, type Reply } from '@idemkit/http-suite'
import { Hono, type Context } from 'hono'
import { stream } from 'hono/streaming'
import { idempotency, type IdempotencyOptions } from '../src/index.js'

/** Send a suite reply the Hono way (c.json, c.text, c.body, streams, c.redirect). */
async function reply(c: Context, answer: Reply): Promise<Response> {
  switch (answer.type) {
    case 'json':
      return c.json(answer.value, (answer.status ?? 200) as 200, answer.headers)
    case 'text':
      return c.text(answer.text, (answer.status ?? 200) as 200, answer.headers)
    case 'bytes':
      return c.body(answer.bytes as Uint8Array<ArrayBuffer>, (answer.status ?? 200) as 200, { 'content-type': answer.contentType })
    case 'stream':
      return c.body(chunkStream(answer.chunks, answer.between), (answer.status ?? 200) as 200, { 'content-type': answer.contentType })
    case 'redirect':
      return c.redirect(answer.location)
    case 'empty':
      return c.body(null, answer.status as 204)
    case 'throw':
      throw new Error(answer.message)
    case 'native':
      return native(c, answer.name)
  }
}

const NATIVE: Record<string, (c: Context) => Response | Promise<Response>> = {
  'c.body(ArrayBuffer)': (c) => c.body(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00]).buffer, 200, { 'content-type': 'application/octet-stream' }),
  'c.body(Uint8Array)': (c) => c.body(new Uint8Array([1, 2, 3, 0xff]), 201),
  'stream() helper': (c) =>
    stream(c, async (s) => {
      await s.write('one;')
      await s.sleep(5)
      await s.write(new Uint8Array([0x74, 0x77, 0x6f]))
    }),
  'c.html': (c) => c.html('<p>héllo</p>', 200),
  'c.redirect 301': (c) => c.redirect('/elsewhere', 301),
  'a plain Response': () => new Response('plain', { status: 202, headers: { 'x-plain': '1', etag: '"v1"' } }),
}

function native(c: Context, name: string): Response | Promise<Response> {
  const respond = NATIVE[name]
  if (respond === undefined) throw new Error(`no native responder ${name}`)
  return respond(c)
}

/** The Hono harness; `overNodeServer` serves the app over real HTTP. */
export function honoHarness(overNodeServer: boolean): HttpHarness {
  return {
    name: overNodeServer ? 'hono (@hono/node-server)' : 'hono (app.request)',
    nativeResponders: Object.keys(NATIVE),
    rawHeaderValues: true,
    inProcess: !overNodeServer,
    rejectsMalformedJson: false,
    requestHeader: (c, name) => (c as Context).req.header(name),
    async start(routes, options) {
      const app = new Hono()
      app.onError((error, c) => c.json({ error: error.message }, 500))
      for (const route of routes) {
        app.on(route.method, route.path, idempotency(options as IdempotencyOptions), async (c) =>
          reply(c, await route.handler({ body: await c.req.text(), params: c.req.param() as Record<string, string> })),
        )
      }
      if (!overNodeServer) {
        return { fetch: async (path, init) => app.request(path, init), close: async () => {} }
      }
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started))
      })
      const { port } = server.address() as AddressInfo
      return {
        fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      }
    },
  }
}
