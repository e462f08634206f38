/**
 * The Express harness of the shared HTTP suite: Express 4 or 5, over real HTTP, with one of the
 * three body setups apps use: no parser, `express.json()` mounted globally, or `express.json()`
 * with `verify: captureRawBody`.
 */
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { HttpHarness, Reply } from '@idemkit/http-suite'
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express'
import express5 from 'express'
import express4 from 'express4'
import { captureRawBody, idempotency, type IdempotencyOptions } from '../src/index.js'

/** How the app gets at request bodies. */
export type BodySetup = 'no parser' | 'express.json()' | 'express.json({ verify: captureRawBody })'

const RECEIPT = fileURLToPath(new URL('./fixtures/receipt.txt', import.meta.url))

const NATIVE: Record<string, (res: Response) => void> = {
  'res.send(object)': (res) => void res.status(201).send({ id: 'pay_1', nested: { ok: true } }),
  'res.send(string)': (res) => void res.send('<p>héllo</p>'),
  'res.send(Buffer)': (res) => void res.status(200).send(Buffer.from([0, 1, 2, 0xff, 0xfe])),
  'res.end(data)': (res) => void res.end('plain end'),
  'res.end()': (res) => void res.status(202).end(),
  'res.sendStatus(202)': (res) => void res.sendStatus(202),
  'res.sendFile': (res) => res.sendFile(RECEIPT),
  'res.writeHead(status, headers)': (res) => {
    res.writeHead(201, { 'content-type': 'application/json', 'x-from-write-head': 'yes' })
    res.end('{"head":true}')
  },
  'res.write × 3 + res.end(chunk)': (res) => {
    res.setHeader('content-type', 'text/plain')
    res.write('a')
    res.write(Buffer.from('b'))
    res.write('c', 'utf8')
    res.end(Buffer.from([0xe2, 0x9c, 0x93]))
  },
  'res.redirect(301)': (res) => res.redirect(301, '/elsewhere'),
}

async function send(res: Response, reply: Reply): Promise<void> {
  switch (reply.type) {
    case 'json':
      res.status(reply.status ?? 200).set(reply.headers ?? {}).json(reply.value)
      return
    case 'text':
      res.status(reply.status ?? 200).type('text/plain; charset=utf-8').set(reply.headers ?? {}).send(reply.text)
      return
    case 'bytes':
      res.status(reply.status ?? 200).type(reply.contentType).send(Buffer.from(reply.bytes))
      return
    case 'stream': {
      res.status(reply.status ?? 200).type(reply.contentType)
      const [first, ...rest] = reply.chunks
      res.write(first ?? '')
      await reply.between?.()
      for (const chunk of rest) res.write(chunk)
      res.end()
      return
    }
    case 'redirect':
      res.redirect(reply.location)
      return
    case 'empty':
      res.status(reply.status).end()
      return
    case 'throw':
      throw new Error(reply.message)
    case 'native': {
      const respond = NATIVE[reply.name]
      if (respond === undefined) throw new Error(`no native responder ${reply.name}`)
      respond(res)
    }
  }
}

/** The body as the handler sees it: the parser's value, or the stream read by the handler itself. */
async function handlerBody(req: Request): Promise<string> {
  if (req.body !== undefined && req.readableEnded) {
    if (typeof req.body === 'string') return req.body
    if (Buffer.isBuffer(req.body)) return req.body.toString('utf8')
    return JSON.stringify(req.body)
  }
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The Express harness for `version` with `body`. */
export function expressHarness(version: 4 | 5, body: BodySetup): HttpHarness {
  const express = (version === 4 ? express4 : express5) as typeof express5
  return {
    name: `express ${version} (${body})`,
    nativeResponders: Object.keys(NATIVE),
    rawHeaderValues: true,
    inProcess: false,
    rejectsMalformedJson: body !== 'no parser',
    requestHeader: (req, name) => (req as Request).get(name),
    async start(routes, options) {
      const app: Express = express()
      if (body === 'express.json()') app.use(express.json({ limit: '10mb' }))
      if (body === 'express.json({ verify: captureRawBody })') app.use(express.json({ limit: '10mb', verify: captureRawBody }))
      for (const route of routes) {
        const handler: RequestHandler = (req, res, next: NextFunction) => {
          // Express 4 does not catch a rejected promise; both versions see errors through next().
          void (async () => send(res, await route.handler({ body: await handlerBody(req), params: { ...req.params } as Record<string, string> })))().catch(next)
        }
        const method = route.method.toLowerCase() as 'post' | 'patch' | 'put' | 'get'
        app[method](route.path, idempotency(options as IdempotencyOptions), handler)
      }
      const onError: ErrorRequestHandler = (error: Error & { status?: number }, _req, res, _next) => {
        res.status(error.status ?? 500).json({ error: error.message })
      }
      app.use(onError)
      const server = app.listen(0, '127.0.0.1')
      await new Promise<void>((resolve) => server.once('listening', () => resolve()))
      const { port } = server.address() as AddressInfo
      return {
        fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve())
            server.closeAllConnections()
          }),
      }
    },
  }
}
