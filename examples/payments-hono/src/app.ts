/**
 * The example API on Hono: six `POST` endpoints, each protected by the idempotency middleware
 * (key required, scoped per account). Runs on Node here; the same app runs on Bun, Deno and Workers.
 */
import { Hono } from 'hono'
import { MemoryStore, type IdempotencyStore } from '@idemkit/core'
import { idempotency } from '@idemkit/adapter-hono'
import { Ledger, OPERATION_NAMES, perform, ValidationError, type BackendOptions } from '@idemkit/example-payments-shared/operations'

/** Options of {@link createApp}. */
export interface AppOptions extends BackendOptions {
  /** Where idempotency records live. Default: a fresh MemoryStore. */
  store?: IdempotencyStore
  /** Records every side effect. Default: a fresh one. */
  ledger?: Ledger
}

/**
 * Build the API; `ledger` is returned so callers can count side effects.
 *
 * @example
 * ```ts
 * const { app } = createApp({ store: new MemoryStore() })
 * export default app
 * ```
 */
export function createApp(options: AppOptions = {}): { app: Hono; ledger: Ledger } {
  const ledger = options.ledger ?? new Ledger()
  const app = new Hono()
  const protect = idempotency({
    store: options.store ?? new MemoryStore(),
    required: true,
    // One tenant's key can never replay another tenant's response.
    scope: (c) => c.req.header('x-account-id'),
    ttl: '24h',
  })

  for (const operation of OPERATION_NAMES) {
    app.post(`/${operation}`, protect, async (c) => {
      let body: unknown
      try {
        body = await c.req.json()
      } catch {
        throw new ValidationError('the body must be JSON')
      }
      return c.json(await perform(ledger, operation, body, options), 201)
    })
  }
  app.get('/health', (c) => c.json({ ok: true }))

  app.onError((error, c) => {
    // A 4xx is stored and replayed (the same request would be invalid again); a 5xx releases the key.
    if (error instanceof ValidationError) return c.json({ error: 'invalid_request', message: error.message }, 400)
    return c.json({ error: 'internal_error' }, 500)
  })
  return { app, ledger }
}
