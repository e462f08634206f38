/**
 * The error handler every Express server mounts last. The peers answer 409/422 by calling
 * `next(error)` with the status already set; Express's default handler would print every stack
 * trace to stderr (thousands per second under load), which would measure logging, not idempotency.
 */
import type { ErrorRequestHandler } from 'express'

export const quietErrorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const status = res.statusCode >= 400 ? res.statusCode : 500
  res.status(status).json({ error: error instanceof Error ? error.message : String(error) })
}
