/**
 * Peer: `@node-idempotency/core` 1.0.11 with its memory adapter (1.0.2) or its Redis adapter (1.0.2).
 *
 * Its Express plugin (`@node-idempotency/express`) is not served by the registry, so this file is a
 * minimal middleware that mirrors the plugin's published logic (packages/plugin-express/src/middleware.ts
 * of mahendraHegde/node-idempotency): `onRequest` before the handler; on a first request, wrap
 * `res.send` to call `onResponse` with the status, the Content-Type and the body (parsed back from
 * JSON, as the plugin does); on a duplicate, restore status and Content-Type, add
 * `Idempotent-Replayed` and send the stored body; map its errors to 409/422/400.
 */
import { createServer } from 'node:http'
import { Idempotency, IdempotencyError, IdempotencyErrorCodes, type IdempotencyParams, type IdempotencyResponse } from '@node-idempotency/core'
import { MemoryStorageAdapter } from '@node-idempotency/storage-adapter-memory'
import { RedisStorageAdapter } from '@node-idempotency/storage-adapter-redis'
import type { RequestHandler, Response } from 'express'
import { expressOrdersApp } from './apps.js'
import { quietErrorHandler } from './error-handler.js'
import { readSettings, serve } from './runtime.js'

const settings = readSettings()
let cleanup = async (): Promise<void> => {}
let storage: MemoryStorageAdapter | RedisStorageAdapter
if (settings.store === 'redis') {
  const redis = new RedisStorageAdapter({ url: settings.redisUrl, name: settings.clientName })
  await redis.connect()
  storage = redis
  cleanup = () => redis.disconnect()
} else {
  storage = new MemoryStorageAdapter()
}
const idempotency = new Idempotency(storage, { cacheKeyPrefix: `${settings.namespace}:node-idempotency` })

const statusOfError: Record<string, number> = {
  [IdempotencyErrorCodes.IDEMPOTENCY_FINGERPRINT_MISSMATCH]: 422,
  [IdempotencyErrorCodes.IDEMPOTENCY_KEY_LEN_EXEEDED]: 400,
  [IdempotencyErrorCodes.IDEMPOTENCY_KEY_MISSING]: 400,
  [IdempotencyErrorCodes.REQUEST_IN_PROGRESS]: 409,
}

async function storeResponse(request: IdempotencyParams, res: Response, payload: unknown): Promise<void> {
  const contentType = res.getHeader('content-type')
  const additional: Record<string, unknown> = { statusCode: res.statusCode }
  if (contentType !== undefined) additional['Content-Type'] = contentType
  let body = payload
  if (typeof body === 'string' && String(contentType).toLowerCase().includes('application/json')) {
    try {
      body = JSON.parse(body)
    } catch {
      // the plugin keeps the string as it is
    }
  }
  const response: IdempotencyResponse = { additional, ...(res.statusCode < 400 ? { body } : { error: body }) }
  await idempotency.onResponse(request, response)
}

const guard: RequestHandler = async (req, res, next) => {
  const request: IdempotencyParams = { headers: req.headers, body: req.body as Record<string, unknown>, path: req.url, method: req.method }
  try {
    const stored = await idempotency.onRequest(request)
    if (stored === undefined) {
      const send = res.send.bind(res)
      res.send = (body?: unknown) => {
        void storeResponse(request, res, body)
        return send(body)
      }
      next()
      return
    }
    const status = stored.additional?.statusCode
    if (typeof status === 'number') res.status(status)
    const contentType = stored.additional?.['Content-Type']
    if (typeof contentType === 'string') res.header('Content-Type', contentType)
    res.header('Idempotent-Replayed', 'true')
    if (stored.body) res.send(stored.body)
    else next(stored.error)
  } catch (error) {
    if (error instanceof IdempotencyError) {
      if (error.code === IdempotencyErrorCodes.REQUEST_IN_PROGRESS) res.header('Retry-After', '1')
      res.status(statusOfError[error.code] ?? 500)
      next(error)
    }
  }
}

const app = expressOrdersApp(guard)
app.use(quietErrorHandler)
serve(createServer(app), cleanup)
