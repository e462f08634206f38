/**
 * Peer: `express-idempotency` 1.0.6 on Express 5, with its default in-memory adapter or
 * `express-idempotency-redis-adapter` 1.0.8, used as its README shows: the middleware on the route,
 * the handler returning early when `isHit(req)` (the middleware calls `next()` after replaying).
 */
import { createServer } from 'node:http'
import express from 'express'
import { getSharedIdempotencyService, idempotency, type IIdempotencyDataAdapter } from 'express-idempotency'
import redisAdapterModule from 'express-idempotency-redis-adapter'
import { ORDERS_PATH, REPORTS_PATH } from '../payloads.js'
import { quietErrorHandler } from './error-handler.js'
import { nextOrder, nextReport, readSettings, serve } from './runtime.js'

const settings = readSettings()
let dataAdapter: IIdempotencyDataAdapter | undefined
let cleanup = async (): Promise<void> => {}
// A CommonJS module with `exports.default`: under Node's ESM interop the default import is the
// whole `module.exports`, so the class is one level down.
const RedisAdapter = (redisAdapterModule as unknown as { default: typeof redisAdapterModule }).default ?? redisAdapterModule
if (settings.store === 'redis') {
  const redis = new RedisAdapter({ connectionConfig: { url: settings.redisUrl, name: settings.clientName } })
  await redis.connect()
  dataAdapter = redis
  // The keys it writes are the raw Idempotency-Key values, which the harness prefixes with the run's
  // namespace; the harness deletes them when the run ends.
  cleanup = () => redis.disconnect()
}
const guard = idempotency(dataAdapter === undefined ? {} : { dataAdapter })
const service = getSharedIdempotencyService()

const app = express()
app.use(express.json())
app.post(ORDERS_PATH, guard, (req, res) => {
  if (service.isHit(req)) return
  res.status(201).json(nextOrder())
})
app.post(REPORTS_PATH, guard, (req, res) => {
  if (service.isHit(req)) return
  res.json(nextReport())
})
app.use(quietErrorHandler)
serve(createServer(app), cleanup)
