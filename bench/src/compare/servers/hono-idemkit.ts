/** idemkit on Hono: `@idemkit/adapter-hono` on both routes, on the store the command line names. */
import { createAdaptorServer } from '@hono/node-server'
import type { Server } from 'node:http'
import { idempotency } from '@idemkit/adapter-hono'
import { honoOrdersApp } from './apps.js'
import { idemkitEngine } from './idemkit-engine.js'
import { readSettings, serve } from './runtime.js'

const { engine, cleanup } = await idemkitEngine(readSettings())
serve(createAdaptorServer({ fetch: honoOrdersApp(idempotency({ engine })).fetch }) as Server, cleanup)
