/**
 * The example API on Express: six `POST` endpoints, each protected by the idempotency middleware
 * (key required, scoped per account).
 */
import express, { type ErrorRequestHandler, type Express } from 'express'
import { MemoryStore, type IdempotencyStore } from '@idemkit/core'
import { captureRawBody, idempotency } from '@idemkit/adapter-express'
import { Ledger, OPERATION_NAMES, perform, ValidationError, type BackendOptions } from '@idemkit/example-payments-shared/operations'

/** Options of {@link createApp}. */
export interface AppOptions extends BackendOptions {
  /** Where idempotency records live. Default: a fresh MemoryStore. */
  store?: IdempotencyStore
  /** Records every side effect. Default: a fresh one (read it back from `app.locals.ledger`). */
  ledger?: Ledger
  /** Turn the protection off, to show what happens without it (the demo's second run). Default true. */
  idempotent?: boolean
}

/**
 * Build the API.
 *
 * @example
 * ```ts
 * const app = createApp({ store: new MemoryStore() })
 * app.listen(3000)
 * ```
 */
export function createApp(options: AppOptions = {}): Express {
  const ledger = options.ledger ?? new Ledger()
  const app = express()
  app.locals.ledger = ledger
  // captureRawBody: the fingerprint uses the exact bytes the client sent.
  app.use(express.json({ verify: captureRawBody }))

  const protect = idempotency({
    store: options.store ?? new MemoryStore(),
    required: true,
    // One tenant's key can never replay another tenant's response.
    scope: (req) => req.get('x-account-id'),
    ttl: '24h',
  })
  const guard: express.RequestHandler[] = options.idempotent === false ? [] : [protect]

  for (const operation of OPERATION_NAMES) {
    app.post(`/${operation}`, ...guard, async (req, res) => {
      const created = await perform(ledger, operation, req.body, options)
      res.status(201).json(created)
    })
  }

  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })

  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    if (error instanceof ValidationError) {
      // A 4xx is stored and replayed: the same request would be invalid again.
      res.status(400).json({ error: 'invalid_request', message: error.message })
      return
    }
    // A 5xx releases the key, so the client's retry runs again.
    res.status(500).json({ error: 'internal_error' })
  }
  app.use(errors)
  return app
}
