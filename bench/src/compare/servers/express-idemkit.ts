/**
 * idemkit on Express 5: `@idemkit/adapter-express` on both routes, after a global `express.json()`
 * (as most apps mount it), on the store the command line names.
 */
import { createServer } from 'node:http'
import { idempotency } from '@idemkit/adapter-express'
import { expressOrdersApp } from './apps.js'
import { idemkitEngine } from './idemkit-engine.js'
import { readSettings, serve } from './runtime.js'

const { engine, cleanup } = await idemkitEngine(readSettings())
serve(createServer(expressOrdersApp(idempotency({ engine }))), cleanup)
