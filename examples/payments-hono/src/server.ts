/**
 * Run the example API on Node: `pnpm start` (MemoryStore), or e.g. `IDEMKIT_STORE=redis pnpm start`.
 */
import { serve } from '@hono/node-server'
import { createApp } from './app.js'
import { storeFromEnv } from '@idemkit/example-payments-shared/store-from-env'

const port = Number(process.env.PORT ?? 3000)
const { store, description, close } = await storeFromEnv()
const { app } = createApp({ store, latencyMs: 100 })
const server = serve({ fetch: app.fetch, port }, () => {
  console.log(`payments example (hono) on http://localhost:${port}, idempotency store: ${description}`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void close().then(() => process.exit(0)))
  })
}
