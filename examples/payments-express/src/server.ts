/**
 * Run the example API: `pnpm start` (MemoryStore), or e.g. `IDEMKIT_STORE=redis pnpm start`.
 */
import { createApp } from './app.js'
import { storeFromEnv } from '@idemkit/example-payments-shared/store-from-env'

const port = Number(process.env.PORT ?? 3000)
const { store, description, close } = await storeFromEnv()
const server = createApp({ store, latencyMs: 100 }).listen(port, () => {
  console.log(`payments example (express) on http://localhost:${port}, idempotency store: ${description}`)
  console.log(`try: curl -i -X POST localhost:${port}/payments -H "Idempotency-Key: $(uuidgen)" -H 'content-type: application/json' -d '{"amount":4200,"currency":"EUR"}'`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void close().then(() => process.exit(0)))
  })
}
