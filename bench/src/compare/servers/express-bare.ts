/** Bare Express 5: `express.json()` and the same handlers, no idempotency. The baseline of every Express ratio. */
import { createServer } from 'node:http'
import { expressOrdersApp } from './apps.js'
import { serve } from './runtime.js'

serve(createServer(expressOrdersApp()))
