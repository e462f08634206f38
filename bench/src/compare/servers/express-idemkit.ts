/**
 * idemkit on Express 5: `@idemkit/adapter-express` on both routes, after a global `express.json()`
 * (as most apps mount it), on the store the command line names.
 */
import { createServer } from 'node:http'
import { idempotency } from '@idemkit/adapter-express'
import express from 'express'
import { ORDERS_PATH, REPORTS_PATH } from '../payloads.js'
import { idemkitEngine } from './idemkit-engine.js'
import { nextOrder, nextReport, readSettings, serve } from './runtime.js'

const { engine, cleanup } = await idemkitEngine(readSettings())
const guard = idempotency({ engine })
const app = express()
app.use(express.json())
app.post(ORDERS_PATH, guard, (_req, res) => {
  res.status(201).json(nextOrder())
})
app.post(REPORTS_PATH, guard, (_req, res) => {
  res.json(nextReport())
})
serve(createServer(app), cleanup)
