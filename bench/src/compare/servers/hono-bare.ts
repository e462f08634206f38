/** Bare Hono on `@hono/node-server`: the handlers read the JSON body and answer, no idempotency. The baseline of every Hono ratio. */
import { createAdaptorServer } from '@hono/node-server'
import type { Server } from 'node:http'
import { honoOrdersApp } from './apps.js'
import { serve } from './runtime.js'

serve(createAdaptorServer({ fetch: honoOrdersApp().fetch }) as Server)
