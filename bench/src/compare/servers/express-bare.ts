/** Bare Express 5: `express.json()` and the same handlers, no idempotency. The baseline of every Express ratio. */
import { createServer } from 'node:http'
import express from 'express'
import { ORDERS_PATH, REPORTS_PATH } from '../payloads.js'
import { nextOrder, nextReport, serve } from './runtime.js'

const app = express()
app.use(express.json())
app.post(ORDERS_PATH, (_req, res) => {
  res.status(201).json(nextOrder())
})
app.post(REPORTS_PATH, (_req, res) => {
  res.json(nextReport())
})
serve(createServer(app))
